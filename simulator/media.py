"""Small, valid media files the simulators serve as camera output."""

from __future__ import annotations

import base64

# A 64x48 baseline JPEG (a cartoon pet on grass), generated once and embedded so
# the simulator needs no imaging library.
JPEG_BYTES = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4p"
    "LSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09P"
    "T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAwAEADASIA"
    "AhEBAxEB/8QAGQABAQEBAQEAAAAAAAAAAAAAAAUGAwEC/8QAJhAAAgIBAQgCAwAAAAAAAAAAAQIA"
    "AxEEBRITFCFBUqExUQYVcf/EABoBAAIDAQEAAAAAAAAAAAAAAAMFAAECBAb/xAAnEQABBAAEBAcA"
    "AAAAAAAAAAAAAQIDEQUhMZEEEhNSIiMyQVGB8P/aAAwDAQACEQMRAD8AhRERmLhESr+i1PJ8feXf"
    "xvcPBzjGcf3tiDklZHXOtWEZG598qXRKiVNLsS/U6UXixELDKKwPUZ7/AF7kxlKsVYEMDggjqDIy"
    "Vj1VGrmhHRuYiK5NTyIiEBiIiQh6qlmCqCWJwAB1Jm6rLNWrOu4xAJXOcH6zMlsVQ21qAwBGSeo7"
    "gGa6JcVfb2s+/wBsNcPb4VceVotda1oMKoAA+gJi9bxOduNtZrcuSVPbJzNrMz+RqBtFSAAWqBOB"
    "8nJmMMfUqovua49nlovwSYiI9FBT5Sjw9mOUo8PZneJ5/rSdy7m6OVenqrsWxFwykEHJ6ES7p9dV"
    "ag4jKj9wTgSPEHJcnqWw8M7olyLV2soqTIdXPYKc5kPUVpqb2utUF2+cEifUSo7jW2rmXNxDpddD"
    "hylHh7McpR4ezO8QvWk7l3Oej//Z"
)

# One MPEG transport stream packet carrying only padding (PID 0x1FFF).
_TS_NULL_PACKET = bytes([0x47, 0x1F, 0xFF, 0x10]) + b"\xff" * 184
TS_SEGMENT_BYTES = _TS_NULL_PACKET * 8

HLS_SEGMENT_SECONDS = 2
HLS_SEGMENT_COUNT = 3


def hls_playlist() -> str:
    """Return a small, complete HLS media playlist of null-packet segments."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{HLS_SEGMENT_SECONDS}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for index in range(HLS_SEGMENT_COUNT):
        lines += [f"#EXTINF:{HLS_SEGMENT_SECONDS:.1f},", f"segment{index}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
