"""Draw the integration's brand images into custom_components/petsmart_hub/brand/.

Home Assistant 2026.3 and later serve a custom integration's own ``brand/``
folder at ``/api/brands/integration/petsmart_hub/<image>``, the URL the frontend
asks for (the integration cards, the integration's page). These images are made
here, from vector shapes, with nothing but the standard library:

- the mark: a water droplet (the fountains and the sprinklers) holding a paw
  print (the pets): one pad and four toes;
- the logo: the mark and the words "PetSmart Hub" in stroked geometric letters.

Every shape is convex (circles, rotated ellipses, polygons, round-capped
strokes, the hull of two circles), so a horizontal line meets it in one
interval. A layer (the droplet, the paw, the words) is the union of its
shapes; it is sampled on ``SUBROWS`` lines per pixel row (vertical
supersampling) and each line's interval adds its exact overlap with every
pixel (horizontal coverage), which anti-aliases the edges. The layers are
then painted over each other in their colours; the ``dark_`` images differ in
colours only, chosen to read on a dark background.

The brands repository's rules (home-assistant/brands): PNG, transparent
background, trimmed; the icon square, 256 x 256 (``@2x`` 512 x 512); the logo
landscape, its shortest side 128 to 256 (``@2x`` 256 to 512).

    python scripts/draw_brand.py          # (re)write the eight images
    python scripts/draw_brand.py --check  # exit 1 when one differs from this drawing

The output is deterministic: the same script writes the same bytes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
import itertools
import math
from pathlib import Path
import struct
import sys
import zlib

BRAND_DIR = (
    Path(__file__).resolve().parents[1] / "custom_components" / "petsmart_hub" / "brand"
)

#: Sample lines per pixel row.
SUBROWS = 8

Span = tuple[float, float]
Colour = tuple[int, int, int]


# --- Shapes: each meets a horizontal line in one interval (or not at all) --------


class Shape:
    """A convex shape in pixel coordinates (y downwards)."""

    top: float
    bottom: float

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        raise NotImplementedError


class Circle(Shape):
    """A disc."""

    def __init__(self, cx: float, cy: float, r: float) -> None:
        """Centre and radius."""
        self.cx, self.cy, self.r = cx, cy, r
        self.top, self.bottom = cy - r, cy + r

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        h = self.r * self.r - (y - self.cy) ** 2
        if h < 0:
            return None
        w = math.sqrt(h)
        return self.cx - w, self.cx + w


class Ellipse(Shape):
    """An ellipse with semi-axes `a` (along `angle`) and `b`, turned by `angle`."""

    def __init__(
        self, cx: float, cy: float, a: float, b: float, angle: float = 0.0
    ) -> None:
        """Centre, semi-axes and rotation (degrees, clockwise on screen)."""
        self.cx, self.cy = cx, cy
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        # (u/a)^2 + (v/b)^2 <= 1 with u = X c + Y s, v = -X s + Y c
        self._xx = c * c / (a * a) + s * s / (b * b)
        self._xy = 2 * c * s * (1 / (a * a) - 1 / (b * b))
        self._yy = s * s / (a * a) + c * c / (b * b)
        extent = math.sqrt((a * s) ** 2 + (b * c) ** 2)
        self.top, self.bottom = cy - extent, cy + extent

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        dy = y - self.cy
        qa, qb, qc = self._xx, self._xy * dy, self._yy * dy * dy - 1
        disc = qb * qb - 4 * qa * qc
        if disc < 0:
            return None
        root = math.sqrt(disc)
        return self.cx + (-qb - root) / (2 * qa), self.cx + (-qb + root) / (2 * qa)


class Polygon(Shape):
    """A convex polygon."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        """Its corners, in order."""
        self.edges = [
            (x0, y0, x1, y1)
            for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True)
            if y0 != y1
        ]
        self.top = min(y for _, y in points)
        self.bottom = max(y for _, y in points)

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        xs = [
            x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            for x0, y0, x1, y1 in self.edges
            if min(y0, y1) <= y <= max(y0, y1)
        ]
        return (min(xs), max(xs)) if xs else None


class Capsule(Shape):
    """A straight stroke with round ends: every point within `r` of a segment."""

    def __init__(self, x0: float, y0: float, x1: float, y1: float, r: float) -> None:
        """The segment and the stroke's half width."""
        self.x0, self.y0, self.x1, self.y1, self.r = x0, y0, x1, y1, r
        self.dx, self.dy = x1 - x0, y1 - y0
        self.length2 = self.dx * self.dx + self.dy * self.dy
        self.rl = r * math.sqrt(self.length2)
        self.top, self.bottom = min(y0, y1) - r, max(y0, y1) + r

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        r2 = self.r * self.r
        lo, hi = math.inf, -math.inf
        for cx, cy in ((self.x0, self.y0), (self.x1, self.y1)):
            h = r2 - (y - cy) ** 2
            if h >= 0:
                w = math.sqrt(h)
                lo, hi = min(lo, cx - w), max(hi, cx + w)
        dx, dy, ty = self.dx, self.dy, y - self.y0
        # the band |cross| <= r L, then the slab 0 <= dot <= L^2
        if dy == 0:
            if dx == 0 or abs(ty) > self.r:
                return (lo, hi) if lo <= hi else None
            a, b = sorted((self.x0, self.x1))
        else:
            a, b = sorted(
                (
                    self.x0 + (dx * ty - self.rl) / dy,
                    self.x0 + (dx * ty + self.rl) / dy,
                )
            )
            if dx == 0:
                if not 0 <= ty * dy <= self.length2:
                    return (lo, hi) if lo <= hi else None
            else:
                s0, s1 = sorted(
                    (
                        self.x0 - ty * dy / dx,
                        self.x0 + (self.length2 - ty * dy) / dx,
                    )
                )
                a, b = max(a, s0), min(b, s1)
        if a <= b:
            lo, hi = min(lo, a), max(hi, b)
        return (lo, hi) if lo <= hi else None


class Hull(Shape):
    """A convex shape made of convex pieces: the line meets it from the first to the last."""

    def __init__(self, pieces: Iterable[Shape]) -> None:
        """Pieces whose union is convex."""
        self.pieces = list(pieces)
        self.top = min(piece.top for piece in self.pieces)
        self.bottom = max(piece.bottom for piece in self.pieces)

    def span(self, y: float) -> Span | None:
        """Where the line at height `y` runs inside the shape."""
        spans = [s for piece in self.pieces if (s := piece.span(y)) is not None]
        if not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)


def cone(x0: float, y0: float, r0: float, x1: float, y1: float, r1: float) -> Hull:
    """The hull of two discs (a stroke that narrows from one end to the other)."""
    d = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    theta = math.acos((r0 - r1) / d)
    corners = []
    for sign in (1, -1):
        c, s = math.cos(sign * theta), math.sin(sign * theta)
        nx, ny = ux * c - uy * s, ux * s + uy * c
        corners.append(((x0 + r0 * nx, y0 + r0 * ny), (x1 + r1 * nx, y1 + r1 * ny)))
    (a0, a1), (b0, b1) = corners
    return Hull([Circle(x0, y0, r0), Circle(x1, y1, r1), Polygon([a0, a1, b1, b0])])


def rounded_polygon(points: Sequence[tuple[float, float]], r: float) -> Hull:
    """A convex polygon grown by `r` all round (its corners rounded)."""
    edges = zip(points, [*points[1:], points[0]], strict=True)
    return Hull(
        [Polygon(points), *(Capsule(x0, y0, x1, y1, r) for (x0, y0), (x1, y1) in edges)]
    )


# --- Layers and their coverage ------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """Shapes painted in one colour: `ink` names it in a palette."""

    ink: str
    shapes: tuple[Shape, ...]


def coverage(shapes: Sequence[Shape], width: int, height: int) -> list[bytes | None]:
    """How much of each pixel the union of `shapes` covers, 0-255, row by row.

    A row nothing touches is None.
    """
    rows: list[bytes | None] = []
    inv = 255 / SUBROWS
    for py in range(height):
        active = [s for s in shapes if s.top < py + 1 and s.bottom > py]
        part = [0.0] * (width + 1)  # partly covered pixels
        steps = [0] * (width + 1)  # +1 where a run of whole pixels starts, -1 after
        first, last = width, -1
        for k in range(SUBROWS):
            y = py + (k + 0.5) / SUBROWS
            spans = sorted(s for shape in active if (s := shape.span(y)) is not None)
            merged: list[list[float]] = []
            for a, b in spans:
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            for a, b in merged:
                a, b = max(a, 0.0), min(b, float(width))
                if a >= b:
                    continue
                ia, ib = int(a), int(b)
                first, last = min(first, ia), max(last, ib)
                if ia == ib:
                    part[ia] += b - a
                else:
                    part[ia] += ia + 1 - a
                    steps[ia + 1] += 1
                    steps[ib] -= 1
                    part[ib] += b - ib
        if last < 0:
            rows.append(None)
            continue
        run = 0
        values = bytearray(width)
        for x in range(first, min(last, width - 1) + 1):
            run += steps[x]
            values[x] = min(255, int((run + part[x]) * inv + 0.5))
        rows.append(bytes(values))
    return rows


@dataclass(frozen=True)
class Drawing:
    """An image's layers, rasterised: one coverage per layer."""

    width: int
    height: int
    inks: tuple[str, ...]
    rows: tuple[tuple[bytes | None, ...], ...]  # per pixel row, one per layer


def rasterise(layers: Sequence[Layer], width: int, height: int) -> Drawing:
    """Each layer's coverage of a width x height image."""
    per_layer = [coverage(layer.shapes, width, height) for layer in layers]
    return Drawing(
        width,
        height,
        tuple(layer.ink for layer in layers),
        tuple(zip(*per_layer, strict=True)),
    )


class _Pixels(dict[tuple[int, ...], bytes]):
    """RGBA bytes of a pixel by its layers' coverages, worked out once each."""

    def __init__(self, colours: Sequence[Colour]) -> None:
        """The layers' colours, bottom first."""
        super().__init__()
        self.colours = colours

    def __missing__(self, key: tuple[int, ...]) -> bytes:
        """Paint the layers over each other ("over", premultiplied)."""
        red = green = blue = alpha = 0.0
        for (r, g, b), cover in zip(self.colours, key, strict=True):
            a = cover / 255
            red, green, blue = (
                r * a + red * (1 - a),
                g * a + green * (1 - a),
                b * a + blue * (1 - a),
            )
            alpha = a + alpha * (1 - a)
        value = b"\0\0\0\0"
        if alpha:
            value = bytes(
                (
                    int(red / alpha + 0.5),
                    int(green / alpha + 0.5),
                    int(blue / alpha + 0.5),
                    int(alpha * 255 + 0.5),
                )
            )
        self[key] = value
        return value


def paint(drawing: Drawing, palette: dict[str, Colour]) -> bytes:
    """The image's RGBA pixels: the layers over each other, bottom first."""
    pixels = _Pixels([palette[ink] for ink in drawing.inks])
    blank_row = bytes(drawing.width)
    blank_image_row = bytes(4 * drawing.width)
    out = bytearray()
    for row in drawing.rows:
        if all(cover is None for cover in row):
            out += blank_image_row
            continue
        covers = [blank_row if cover is None else cover for cover in row]
        out += b"".join(map(pixels.__getitem__, zip(*covers, strict=True)))
    return bytes(out)


# --- PNG --------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def scanlines(width: int, height: int, rgba: bytes) -> bytes:
    """The PNG's image data: each row unfiltered (filter type 0).

    Flat colours compress best so: smaller than with the Sub or Up filter.
    """
    stride = 4 * width
    return b"".join(b"\0" + rgba[y * stride : (y + 1) * stride] for y in range(height))


def png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit RGBA PNG (no time stamp, nothing that changes from run to run)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(scanlines(width, height, rgba), 9)),
            _chunk(b"IEND", b""),
        )
    )


# --- The design -----------------------------------------------------------------

#: Colours of the light images (for a light background) and of the dark_ ones.
LIGHT: dict[str, Colour] = {
    "drop": (0x12, 0x9E, 0x92),  # teal: water, and a little garden
    "paw": (0xFF, 0xFF, 0xFF),
    "word": (0x26, 0x32, 0x38),  # "PetSmart": near black
    "hub": (0x12, 0x9E, 0x92),  # "Hub": the droplet's teal
}
DARK: dict[str, Colour] = {
    "drop": (0x22, 0xB4, 0xA5),
    "paw": (0xFF, 0xFF, 0xFF),
    "word": (0xEE, 0xF2, 0xF4),
    "hub": (0x4F, 0xD8, 0xC8),
}

#: The mark's box, in design units: the droplet is its full height.
MARK_HEIGHT = 256.0
MARK_WIDTH = 184.0


def mark(scale: float, left: float, top: float) -> list[Layer]:
    """The droplet with the paw print: MARK_WIDTH x MARK_HEIGHT units at (left, top)."""

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, top + y * scale

    # the droplet: a round body of radius 92 and a slightly rounded tip
    r = MARK_WIDTH / 2
    body = at(r, MARK_HEIGHT - r)
    tip_r = 6.0
    tip = at(r, tip_r)
    drop = cone(*body, r * scale, *tip, tip_r * scale)

    # the paw: a pad (a rounded triangle) and four toes (ellipses), in units of
    # the pad's width around the paw's middle
    unit, px, py = 80.0, r, 168.0

    def paw(x: float, y: float) -> tuple[float, float]:
        return at(px + x * unit, py + y * unit)

    pad = rounded_polygon(
        [paw(0, -0.1), paw(0.17, 0.18), paw(-0.17, 0.18)], 0.31 * unit * scale
    )
    toes = [
        Ellipse(*paw(sx * dx, dy), 0.15 * unit * scale, 0.19 * unit * scale, sx * tilt)
        for sx in (-1, 1)
        for dx, dy, tilt in ((0.18, -0.68, 12.0), (0.50, -0.43, 35.0))
    ]
    return [Layer("drop", (drop,)), Layer("paw", (pad, *toes))]


# --- The words: letters drawn as strokes ----------------------------------------

Point = tuple[float, float]

#: The letters' stroke width, in units of the capital height.
STROKE = 0.15
_H = STROKE / 2
CAP = 1 - _H  # the centre line of a stroke along the top of a capital
XHEIGHT = 0.72 - _H  # ... along the top of a small letter
BASE = _H  # ... along the baseline
BOWL = 0.36  # the middle of a small letter's bowl
_R = BOWL - _H  # its radius


def arc(cx: float, cy: float, r: float, start: float, end: float) -> list[Point]:
    """Points along a circle from `start` to `end` degrees (counter-clockwise, y up)."""
    count = max(2, math.ceil(abs(end - start) / 6) + 1)
    return [
        (
            cx + r * math.cos(math.radians(start + (end - start) * i / (count - 1))),
            cy + r * math.sin(math.radians(start + (end - start) * i / (count - 1))),
        )
        for i in range(count)
    ]


def _letters() -> dict[str, tuple[float, list[list[Point]]]]:
    """Each letter's width and strokes (polylines), x from its left edge, y up."""
    h, r = _H, _R
    rb = (CAP - 0.45) / 2  # P's bowl
    rt = 0.14  # t's foot
    tx = h + 0.11
    s_mid = 0.53  # S: where its two arcs meet
    s_top, s_bottom = (CAP - s_mid) / 2, (s_mid - BASE) / 2
    sx = h + s_bottom
    ra = 0.19  # m's arches
    ya = XHEIGHT - ra
    rr = 0.2  # r's shoulder
    ru = 0.245  # u's bottom
    return {
        "P": (
            0.30 + rb + h,
            [
                [(h, BASE), (h, CAP)],
                [
                    (h, CAP),
                    (0.30, CAP),
                    *arc(0.30, CAP - rb, rb, 90, -90),
                    (h, CAP - 2 * rb),
                ],
            ],
        ),
        "e": (
            2 * r + 2 * h,
            [[(h, BOWL), (h + 2 * r, BOWL), *arc(h + r, BOWL, r, 0, 315)]],
        ),
        "t": (
            0.36 + 2 * h,
            [
                [
                    (tx, 0.86),
                    (tx, BASE + rt),
                    *arc(tx + rt, BASE + rt, rt, 180, 270),
                    (tx + rt + 0.05, BASE),
                ],
                [(h, XHEIGHT), (h + 0.36, XHEIGHT)],
            ],
        ),
        "S": (
            2 * s_bottom + 2 * h,
            [
                [
                    *arc(sx, s_mid + s_top, s_top, 20, 270),
                    *arc(sx, s_mid - s_bottom, s_bottom, 90, -160),
                ]
            ],
        ),
        "m": (
            4 * ra + 2 * h,
            [
                [(h, BASE), (h, XHEIGHT)],
                [(h, ya), *arc(h + ra, ya, ra, 180, 0), (h + 2 * ra, BASE)],
                [
                    (h + 2 * ra, ya),
                    *arc(h + 3 * ra, ya, ra, 180, 0),
                    (h + 4 * ra, BASE),
                ],
            ],
        ),
        "a": (
            2 * r + 2 * h,
            [
                arc(h + r, BOWL, r, 0, 360),
                [(h + 2 * r, XHEIGHT), (h + 2 * r, BASE)],
            ],
        ),
        "r": (
            rr + rr * math.cos(math.radians(65)) + 2 * h,
            [
                [(h, BASE), (h, XHEIGHT)],
                [(h, XHEIGHT - rr), *arc(h + rr, XHEIGHT - rr, rr, 180, 65)],
            ],
        ),
        "H": (
            0.56 + 2 * h,
            [
                [(h, BASE), (h, CAP)],
                [(h + 0.56, BASE), (h + 0.56, CAP)],
                [(h, 0.5), (h + 0.56, 0.5)],
            ],
        ),
        "u": (
            2 * ru + 2 * h,
            [
                [(h, XHEIGHT), (h, BASE + ru), *arc(h + ru, BASE + ru, ru, 180, 360)],
                [(h + 2 * ru, XHEIGHT), (h + 2 * ru, BASE)],
            ],
        ),
        "b": (
            2 * r + 2 * h,
            [[(h, BASE), (h, CAP)], arc(h + r, BOWL, r, 0, 360)],
        ),
        " ": (0.2, []),
    }


LETTERS = _letters()
#: Space between two letters, in units of the capital height.
TRACKING = 0.09


def words(
    text: str, cap: float, left: float, baseline: float
) -> tuple[list[Shape], float]:
    """The strokes of `text` with capitals `cap` pixels high; and where it ends."""
    shapes: list[Shape] = []
    x = left
    for i, char in enumerate(text):
        width, strokes = LETTERS[char]
        if i:
            x += TRACKING * cap
        for stroke in strokes:
            points = [(x + px * cap, baseline - py * cap) for px, py in stroke]
            shapes += [
                Capsule(x0, y0, x1, y1, _H * cap)
                for (x0, y0), (x1, y1) in itertools.pairwise(points)
            ]
        x += width * cap
    return shapes, x


# --- The images -----------------------------------------------------------------


def icon(size: int) -> Drawing:
    """The mark in a size x size square."""
    scale = size / MARK_HEIGHT
    return rasterise(mark(scale, (size - MARK_WIDTH * scale) / 2, 0), size, size)


def logo(height: int) -> Drawing:
    """The mark and "PetSmart Hub", `height` pixels high, as wide as they are."""
    scale = height / MARK_HEIGHT
    cap = 0.36 * height
    left = MARK_WIDTH * scale + 0.14 * height
    baseline = (height + cap) / 2
    word, end = words("PetSmart ", cap, left, baseline)
    hub, end = words("Hub", cap, end + TRACKING * cap, baseline)
    width = math.ceil(end)
    layers = [*mark(scale, 0, 0), Layer("word", tuple(word)), Layer("hub", tuple(hub))]
    return rasterise(layers, width, height)


#: file name -> how it is drawn, at which size, in which colours
IMAGES: dict[str, tuple[Callable[[int], Drawing], int, dict[str, Colour]]] = {
    "icon.png": (icon, 256, LIGHT),
    "icon@2x.png": (icon, 512, LIGHT),
    "dark_icon.png": (icon, 256, DARK),
    "dark_icon@2x.png": (icon, 512, DARK),
    "logo.png": (logo, 128, LIGHT),
    "logo@2x.png": (logo, 256, LIGHT),
    "dark_logo.png": (logo, 128, DARK),
    "dark_logo@2x.png": (logo, 256, DARK),
}


def draw() -> dict[str, bytes]:
    """Every brand image: file name -> PNG bytes."""
    drawings: dict[tuple[Callable[[int], Drawing], int], Drawing] = {}
    images = {}
    for name, (kind, size, palette) in IMAGES.items():
        drawing = drawings.get((kind, size))
        if drawing is None:
            drawing = drawings[kind, size] = kind(size)
        images[name] = png(drawing.width, drawing.height, paint(drawing, palette))
    return images


def main(argv: Sequence[str] | None = None) -> int:
    """Write the images, or with --check compare them with the drawing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when an image differs from what is drawn here",
    )
    args = parser.parse_args(argv)
    stale = []
    for name, data in draw().items():
        path = BRAND_DIR / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        BRAND_DIR.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(BRAND_DIR.parents[2])}: {len(data):,} bytes")
    if stale:
        print(f"differ from scripts/draw_brand.py: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
