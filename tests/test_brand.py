"""The integration's brand images (custom_components/petsmart_hub/brand/).

Home Assistant 2026.3 and later serve them at
/api/brands/integration/petsmart_hub/<name> (homeassistant/components/brands/).
They follow the brands repository's rules: PNG with a transparent background,
trimmed; the icon square, 256 x 256 (@2x 512 x 512); the logo landscape, its
shortest side 128 to 256 (@2x 256 to 512). scripts/draw_brand.py draws them,
and what it draws is what is committed, byte for byte.
"""

from __future__ import annotations

from functools import cache
import importlib.util
from pathlib import Path
import struct
import sys
from types import ModuleType
import zlib

import pytest

ROOT = Path(__file__).resolve().parent.parent
BRAND = ROOT / "custom_components" / "petsmart_hub" / "brand"
SCRIPT = ROOT / "scripts" / "draw_brand.py"

#: The file names Home Assistant serves from a brand folder.
NAMES = [
    f"{dark}{kind}{double}.png"
    for dark in ("", "dark_")
    for kind in ("icon", "logo")
    for double in ("", "@2x")
]


def draw_brand() -> ModuleType:
    """scripts/draw_brand.py, imported (scripts/ is no package)."""
    if (module := sys.modules.get("draw_brand")) is not None:
        return module
    spec = importlib.util.spec_from_file_location("draw_brand", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["draw_brand"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@cache
def drawn() -> dict[str, bytes]:
    """What the script draws now."""
    images: dict[str, bytes] = draw_brand().draw()
    return images


def read_png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG, checking its structure."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    kinds = [kind for kind, _ in chunks]
    # nothing that changes from run to run (no tIME, no text)
    assert kinds[0] == b"IHDR", kinds
    assert kinds[-1] == b"IEND", kinds
    assert set(kinds[1:-1]) == {b"IDAT"}, kinds
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour) == (8, 6), "expected 8-bit RGBA (colour type 6)"
    assert (compression, filtering, interlace) == (0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 4 * width
    assert len(raw) == height * (stride + 1)
    pixels = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        assert kind <= 4, f"row {y}: unknown filter {kind}"
        for i in range(stride) if kind else ():
            left = line[i - 4] if i >= 4 else 0
            up, corner = previous[i], previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            else:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        pixels += line
        previous = line
    return width, height, bytes(pixels)


def alpha_box(width: int, height: int, pixels: bytes) -> tuple[int, int, int, int]:
    """Left, top, right, bottom (inclusive) of the pixels that are not transparent."""
    alpha = pixels[3::4]
    rows = [y for y in range(height) if any(alpha[y * width : (y + 1) * width])]
    columns = [x for x in range(width) if any(alpha[x::width])]
    return columns[0], rows[0], columns[-1], rows[-1]


@pytest.mark.parametrize("name", NAMES)
def test_image(name: str) -> None:
    """A valid RGBA PNG of the right size, transparent around the mark, trimmed."""
    path = BRAND / name
    assert path.is_file(), f"{name} is missing: run python scripts/draw_brand.py"
    width, height, pixels = read_png(path.read_bytes())
    double = "@2x" in name
    low, high = (256, 512) if double else (128, 256)
    if "icon" in name:
        assert (width, height) == ((512, 512) if double else (256, 256))
    else:
        assert width > height, "a logo is landscape"
        assert low <= height <= high, f"shortest side {height} not in {low}..{high}"

    alpha = pixels[3::4]
    assert alpha[0] == 0, "the background is transparent"
    assert 0 in alpha
    assert 255 in alpha
    left, top, right, bottom = alpha_box(width, height, pixels)
    # trimmed: the mark reaches the top and the bottom; a logo reaches the sides
    # too, an icon (square, the droplet narrower than tall) is centred
    assert (top, bottom) == (0, height - 1)
    if "icon" in name:
        assert abs(left - (width - 1 - right)) <= 1, (left, right)
    else:
        assert (left, right) == (0, width - 1)


def test_doubles_and_darks_match() -> None:
    """@2x is twice its image; a dark_ image is its light one in other colours."""
    sizes = {name: read_png((BRAND / name).read_bytes())[:2] for name in NAMES}
    for name in NAMES:
        if "@2x" in name:
            width, height = sizes[name.replace("@2x", "")]
            assert sizes[name][1] == 2 * height
            assert abs(sizes[name][0] - 2 * width) <= 1, (name, sizes[name], width)
        if name.startswith("dark_"):
            assert sizes[name] == sizes[name.removeprefix("dark_")]
            assert (BRAND / name).read_bytes() != (BRAND / name[5:]).read_bytes()


def test_dark_text_is_light() -> None:
    """The dark logo's words are light (they sit on a dark background), the light one's dark."""
    for name, lighter in (("logo.png", False), ("dark_logo.png", True)):
        width, height, pixels = read_png((BRAND / name).read_bytes())
        # half way up, the first opaque pixel right of the droplet: the P's stem
        y = height // 2
        x = next(
            x
            for x in range(3 * height // 4, width)
            if pixels[4 * (y * width + x) + 3] == 255
        )
        red, green, blue = pixels[4 * (y * width + x) : 4 * (y * width + x) + 3]
        brightness = (299 * red + 587 * green + 114 * blue) / 1000
        assert (brightness > 180) if lighter else (brightness < 80), (name, brightness)


def test_served_names() -> None:
    """The folder holds exactly the images Home Assistant serves from it."""
    assert sorted(p.name for p in BRAND.iterdir()) == sorted(NAMES)
    brands = pytest.importorskip(
        "homeassistant.components.brands.const",
        reason="Home Assistant serves a brand folder from 2026.3 on",
    )
    assert set(NAMES) == set(brands.ALLOWED_IMAGES)


def test_drawn_by_the_script() -> None:
    """scripts/draw_brand.py draws exactly the committed bytes."""
    images = drawn()
    assert sorted(images) == sorted(NAMES)
    stale = [name for name in NAMES if images[name] != (BRAND / name).read_bytes()]
    assert not stale, f"{stale} differ from the drawing: run python {SCRIPT.name}"
