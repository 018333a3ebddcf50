#!/usr/bin/env python3
"""OpenCV reference fixtures for Moodwire's PNG decoding and JPEG EXIF orientation handling.

Generates small deterministic synthetic images under Tests/ImagingTests/Fixtures/formats/:
  png/   one 37x23 PNG per colour type / bit depth that OpenCV's libpng path handles
         differently (8-bit gray, gray+alpha, RGB, RGBA, palette with and without tRNS, 4-bit
         palette, 16-bit gray and RGB, 1/2/4-bit gray, Adam7-interlaced RGB) plus RGB PNGs
         carrying a gAMA, an sRGB and an eXIf (orientation 6) chunk;
  exif/  one 40x24 colour JPEG (cv2.imencode, quality 95) without EXIF, and copies of it with an
         APP1 "Exif\\0\\0" segment inserted right after SOI: orientation 1..8 (little-endian TIFF),
         orientation 6 big-endian, orientation 9 (out of range), a truncated TIFF, an IFD whose
         orientation entry is followed by a truncated second entry, orientation 6 stored as a
         LONG (little- and big-endian), a bad TIFF magic number, the APP1 placed after APP0, and
         two APP1 segments (orientation 3, then 6);
and opencv_formats.json, which records for every file (path relative to the formats folder):
  width, height          of cv2.imread(path) (after OpenCV's EXIF orientation),
  gray_imread_sha256     SHA-256 of cv2.imread(path, cv2.IMREAD_GRAYSCALE).tobytes(),
  gray_cvtcolor_sha256   SHA-256 of cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR),
                         cv2.COLOR_BGR2GRAY).tobytes(),
  orientation            the EXIF orientation value OpenCV read (and applied if 1..8), or null.

The script also checks, pixel for pixel, the numpy models of what OpenCV does (written out in the
RULES list below and printed at the end) against cv2's output, and exits non-zero if any differ.

How to run (from the repository root):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt pillow
    /tmp/refvenv/bin/python scripts/reference/make_format_golden.py [--output-dir DIR]
"""

import argparse
import hashlib
import json
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import REPO_ROOT, dumps_compact, fail  # noqa: E402

DEFAULT_OUTPUT_DIR = REPO_ROOT / "Tests" / "ImagingTests" / "Fixtures" / "formats"
JSON_NAME = "opencv_formats.json"

PNG_SIZE = (37, 23)   # width, height: neither square nor a multiple of 8
JPEG_SIZE = (40, 24)  # width, height of the EXIF base image
JPEG_QUALITY = 95
MAX_FILE_BYTES = 20_000

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Human-readable statement of the rules that check_models() verifies.
RULES = [
    "IMREAD_COLOR, PNG: alpha (colour type 4/6 or tRNS) is dropped without compositing; "
    "gray (incl. 1/2/4-bit expanded by v*255/(2^bits-1)) is replicated to B=G=R; palette "
    "indices are looked up in PLTE; 16-bit samples become their high byte (v >> 8); "
    "channel order is BGR; Adam7 interlacing does not change the pixels; gAMA/sRGB are ignored.",
    "IMREAD_GRAYSCALE, colour PNG (RGB, RGBA, palette), 8-bit, no gAMA/sRGB: libpng "
    "png_set_rgb_to_gray(1, 0.299, 0.587) -> gray = (9797*R + 19234*G + 3737*B) >> 15 "
    "(truncating; coefficients 29900*32768//100000, 58700*32768//100000, 32768-rc-gc), "
    "applied to the unassociated colour with alpha simply dropped. "
    "Not the same as cvtColor BGR2GRAY, which is (9798*R + 19235*G + 3735*B + 16384) >> 15.",
    "IMREAD_GRAYSCALE, 16-bit RGB: gray16 = (9797*R + 19234*G + 3737*B + 16384) >> 15 on the "
    "16-bit samples (rounding), then gray = gray16 >> 8.",
    "IMREAD_GRAYSCALE, 8-bit colour PNG with gAMA g where g or rg = floor(1e10/g + 0.5) lies "
    "outside 95000..105000 (sRGB means g = 45455; otherwise the gAMA changes nothing): for pixels with "
    "R == G == B the value is kept; otherwise gray = from1[(9797*to1[R] + 19234*to1[G] + "
    "3737*to1[B] + 16384) >> 15] where to1[v] = floor(255*(v/255)**(rg/1e5) + 0.5), "
    "rg = floor(1e10/g + 0.5), and from1[v] = floor(255*(v/255)**(rrg/1e5) + 0.5), "
    "rrg = floor(1e10/rg + 0.5); a table whose exponent e (rg or rrg) lies within "
    "95000..105000 is the identity; both tables map 0 -> 0 and 255 -> 255.",
    "IMREAD_GRAYSCALE, gray PNG: the gray samples (alpha dropped, 16-bit -> high byte, "
    "1-bit -> 0/255).",
    "EXIF orientation (JPEG APP1 Exif, PNG eXIf) is applied by imread for IMREAD_COLOR and "
    "IMREAD_GRAYSCALE alike (not for IMREAD_UNCHANGED or with IMREAD_IGNORE_ORIENTATION): "
    "1 img, 2 img[:, ::-1], 3 img[::-1, ::-1], 4 img[::-1, :], 5 img.swapaxes(0, 1), "
    "6 np.rot90(img, -1) (90 deg clockwise), 7 img.swapaxes(0, 1)[::-1, ::-1] (== np.rot90(img, -1)[::-1, :]), "
    "8 np.rot90(img, 1) (90 deg counter-clockwise); any other value (0, 9, ...): no change.",
    "EXIF parsing: the TIFF header must be 'II' or 'MM' followed by 42; IFD0 entries are read "
    "one by one and the orientation is the 16-bit value in the first two bytes of the entry's "
    "value field (type not checked). A read past the end of the segment aborts parsing "
    "but keeps the entries parsed before it: a truncated orientation entry means no "
    "orientation, an orientation entry followed by a truncated entry is still applied.",
]


# ----------------------------------------------------------------------------------------------
# Synthetic content


def colour_pattern(np, width, height):
    """Asymmetric RGB (not BGR) uint8 image: gradients plus a few solid blocks and marker pixels."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255) // (width - 1)
    g = (y * 255) // (height - 1)
    b = (x * x * 3 + y * 17 + 40) % 256
    img = np.dstack([r, g, b]).astype(np.uint8)
    img[2:6, 3:9] = (230, 20, 30)                         # red block, top left
    img[3:9, width - 9:width - 4] = (25, 200, 60)         # green block, top right
    img[height - 7:height - 3, 2:6] = (30, 40, 220)       # blue block, bottom left
    img[height - 6:height - 2, width // 2:width // 2 + 7] = (250, 230, 40)  # yellow, bottom middle
    img[0, width - 1] = (255, 255, 255)                   # marker corners
    img[height - 1, 0] = (0, 0, 0)
    img[height // 2, 1] = (128, 128, 128)                 # gray pixels (R == G == B)
    img[height // 2 + 1, 1] = (10, 10, 10)
    img[1, width // 2] = (40, 40, 40)
    return img


def gray_pattern(np, width, height):
    y, x = np.mgrid[0:height, 0:width]
    img = ((x * 6 + y * y * 2 + 5) % 256).astype(np.uint8)
    img[2:7, 3:10] = 250
    img[height - 6:height - 2, width - 8:width - 3] = 12
    img[0, width - 1] = 255
    img[height - 1, 0] = 0
    return img


def low_bytes(np, width, height, salt):
    """Pseudo-random low bytes for 16-bit samples, covering values above and below 128."""
    y, x = np.mgrid[0:height, 0:width]
    return ((x * 37 + y * 91 + salt * 53 + (x * y) % 7 * 29) % 256).astype(np.uint16)


# ----------------------------------------------------------------------------------------------
# Minimal PNG writing (for what neither cv2.imwrite nor Pillow can write: Adam7 interlacing and
# extra ancillary chunks)


def png_chunk(tag, data):
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def split_chunks(png):
    if png[:8] != PNG_SIGNATURE:
        raise ValueError("not a PNG")
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        tag = png[pos + 4:pos + 8]
        chunks.append((tag, png[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def join_chunks(chunks):
    return PNG_SIGNATURE + b"".join(png_chunk(tag, data) for tag, data in chunks)


def insert_after_ihdr(png, new_chunks):
    chunks = split_chunks(png)
    if chunks[0][0] != b"IHDR":
        raise ValueError("IHDR is not the first chunk")
    return join_chunks(chunks[:1] + list(new_chunks) + chunks[1:])


def ihdr_fields(png):
    tag, data = split_chunks(png)[0]
    assert tag == b"IHDR"
    width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data)
    return {"width": width, "height": height, "bit_depth": depth, "color_type": ctype,
            "interlace": interlace}


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_scanline(kind, raw, prior, bpp):
    out = bytearray(len(raw))
    for i, value in enumerate(raw):
        left = raw[i - bpp] if i >= bpp else 0
        up = prior[i]
        upleft = prior[i - bpp] if i >= bpp else 0
        if kind == 0:
            pred = 0
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = up
        elif kind == 3:
            pred = (left + up) // 2
        else:
            pred = paeth(left, up, upleft)
        out[i] = (value - pred) & 0xFF
    return bytes([kind]) + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def encode_rgb8_adam7(np, rgb):
    """8-bit RGB PNG, interlace method 1; scanline filters cycle through all five types."""
    height, width, _ = rgb.shape
    stream, row_no = bytearray(), 0
    for x0, y0, dx, dy in ADAM7:
        sub = rgb[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prior = bytes(sub.shape[1] * 3)
        for row in sub:
            raw = np.ascontiguousarray(row).tobytes()
            stream += filter_scanline(row_no % 5, raw, prior, 3)
            prior, row_no = raw, row_no + 1
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return join_chunks([(b"IHDR", ihdr), (b"IDAT", zlib.compress(bytes(stream), 9)),
                        (b"IEND", b"")])


# ----------------------------------------------------------------------------------------------
# EXIF segments


def tiff_orientation(orientation, big_endian=False, type_=3):
    """TIFF header + IFD0 holding one orientation entry (type 3 SHORT or 4 LONG, count 1)."""
    e = ">" if big_endian else "<"
    header = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    value = struct.pack(e + "H", orientation) + b"\0\0" if type_ == 3 else \
        struct.pack(e + "I", orientation)
    entry = struct.pack(e + "HHI", 0x0112, type_, 1) + value
    return header + struct.pack(e + "H", 1) + entry + struct.pack(e + "I", 0)


def tiff_truncated_orientation():
    """IFD0 with one orientation entry cut off after its count field (value missing)."""
    return tiff_orientation(6)[:18]


def tiff_orientation_then_truncated_entry(orientation):
    """IFD0 announcing two entries: a complete orientation entry, then one cut off mid-tag."""
    header = b"II" + struct.pack("<HI", 42, 8)
    entry = struct.pack("<HHIH", 0x0112, 3, 1, orientation) + b"\0\0"
    return header + struct.pack("<H", 2) + entry + b"\x1a"


def with_app1_exif(jpeg, tiff):
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    payload = b"Exif\0\0" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def app1_after_app0(jpeg, tiff):
    if jpeg[2:4] != b"\xff\xe0":
        raise ValueError("JPEG does not start with an APP0 segment")
    end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:end] + with_app1_exif(b"\xff\xd8", tiff)[2:] + jpeg[end:]


# ----------------------------------------------------------------------------------------------
# numpy models of OpenCV's behaviour


def orient(np, img, orientation):
    if orientation == 2:
        return img[:, ::-1]
    if orientation == 3:
        return img[::-1, ::-1]
    if orientation == 4:
        return img[::-1, :]
    if orientation == 5:
        return img.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(img, -1)
    if orientation == 7:
        return img.swapaxes(0, 1)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(img, 1)
    return img


def libpng_gray8(np, rgb):
    c = rgb.astype(np.int64)
    return ((9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2]) >> 15).astype(np.uint8)


def libpng_gray16_to_8(np, rgb16):
    c = rgb16.astype(np.int64)
    g16 = (9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2] + 16384) >> 15
    return (g16 >> 8).astype(np.uint8)


def png_reciprocal(value):
    import math
    return int(math.floor(1e10 / value + 0.5))


def gamma8_table(np, gamma_fixed):
    table = np.arange(256, dtype=np.float64)
    if abs(gamma_fixed - 100000) <= 5000:   # png_gamma_significant: outside 0.95..1.05
        return table.astype(np.int64)
    out = np.floor(255.0 * np.power(table / 255.0, gamma_fixed * 1e-5) + 0.5).astype(np.int64)
    out[0], out[255] = 0, 255
    return out


def libpng_gray8_gamma(np, rgb, file_gamma):
    screen_gamma = png_reciprocal(file_gamma)   # OpenCV sets no screen gamma: libpng uses 1/g

    def significant(value):
        return value < 95000 or value > 105000

    if not significant(file_gamma) and not significant(screen_gamma):
        return libpng_gray8(np, rgb)            # no gamma tables are built: the plain 8-bit path
    to_1 = gamma8_table(np, png_reciprocal(file_gamma))
    from_1 = gamma8_table(np, png_reciprocal(screen_gamma))
    c = rgb.astype(np.int64)
    lin = (9797 * to_1[c[..., 0]] + 19234 * to_1[c[..., 1]] + 3737 * to_1[c[..., 2]] + 16384) >> 15
    gray = from_1[lin]
    same = (c[..., 0] == c[..., 1]) & (c[..., 1] == c[..., 2])
    return np.where(same, c[..., 0], gray).astype(np.uint8)


def cv_gray(np, rgb):
    c = rgb.astype(np.int64)
    return ((9798 * c[..., 0] + 19235 * c[..., 1] + 3735 * c[..., 2] + 16384) >> 15).astype(np.uint8)


# ----------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT_DIR),
                        help="formats fixture folder to (re)write")
    args = parser.parse_args()
    try:
        import cv2
        import numpy as np
        from PIL import Image
    except ImportError as exc:
        fail(f"{exc}; install the requirements: pip install -r scripts/reference/requirements.txt "
             "pillow")

    out_dir = Path(args.output_dir)
    (out_dir / "png").mkdir(parents=True, exist_ok=True)
    (out_dir / "exif").mkdir(parents=True, exist_ok=True)

    width, height = PNG_SIZE
    rgb = colour_pattern(np, width, height)
    gray = gray_pattern(np, width, height)
    y, x = np.mgrid[0:height, 0:width]

    # Each case: file -> dict(model_bgr=..., model_gray=..., orientation=..., ihdr=expected).
    cases = {}

    def write_bytes(rel, data):
        path = out_dir / rel
        path.write_bytes(data)
        return path

    def encode_cv(ext, img, params=()):
        ok, buf = cv2.imencode(ext, img, list(params))
        if not ok:
            fail(f"cv2.imencode({ext}) failed")
        return buf.tobytes()

    def encode_pil(im, **params):
        import io
        bio = io.BytesIO()
        im.save(bio, format="PNG", **params)
        return bio.getvalue()

    def add_png(rel, data, ihdr, bgr, gray_model, orientation=None, note=""):
        write_bytes(rel, data)
        got = ihdr_fields(data)
        for key, value in ihdr.items():
            if got[key] != value:
                fail(f"{rel}: IHDR {key} = {got[key]}, expected {value}")
        cases[rel] = {"bgr": bgr, "gray": gray_model, "orientation": orientation, "note": note}

    def gray_to_bgr(g):
        return np.dstack([g, g, g])

    # 8-bit gray (cv2).
    add_png("png/gray8.png", encode_cv(".png", gray), {"bit_depth": 8, "color_type": 0},
            gray_to_bgr(gray), gray, note="gray replicated to BGR")

    # 8-bit gray + alpha (Pillow "LA"; cv2 cannot write colour type 4).
    alpha_ga = ((x * 7 + y * 11) % 256).astype(np.uint8)
    alpha_ga[:, 0] = 0
    la = Image.fromarray(np.dstack([gray, alpha_ga]), mode="LA")
    add_png("png/gray8_alpha.png", encode_pil(la), {"bit_depth": 8, "color_type": 4},
            gray_to_bgr(gray), gray, note="alpha dropped, no compositing")

    # 8-bit RGB (cv2).
    add_png("png/rgb8.png", encode_cv(".png", rgb[..., ::-1]), {"bit_depth": 8, "color_type": 2},
            rgb[..., ::-1], libpng_gray8(np, rgb), note="libpng rgb_to_gray 8-bit")

    # 8-bit RGBA with varying alpha, including fully transparent non-black pixels (cv2).
    alpha = ((x * 255) // (width - 1) ^ (y * 9)).astype(np.uint8)
    alpha[0:3, :] = 0
    alpha[height - 3:, :] = 255
    rgba_bgra = np.dstack([rgb[..., ::-1], alpha])
    add_png("png/rgba8.png", encode_cv(".png", rgba_bgra), {"bit_depth": 8, "color_type": 6},
            rgb[..., ::-1], libpng_gray8(np, rgb), note="alpha dropped, no compositing")

    # Palette, 8-bit indices (24 colours), with and without tRNS (Pillow "P").
    pal_n = 24
    palette = np.array([[(i * 97 + 13) % 256, (i * 53 + 200) % 256, (i * 181 + 7) % 256]
                        for i in range(pal_n)], dtype=np.uint8)
    palette[5] = (40, 40, 40)     # a gray entry
    index = ((x // 3 + (y // 2) * 5 + (x * y) % 4) % pal_n).astype(np.uint8)
    index[2:6, 3:9] = 17
    pal_rgb = palette[index]
    im_p = Image.fromarray(index, mode="P")
    im_p.putpalette(palette.flatten().tolist())
    add_png("png/palette8.png", encode_pil(im_p), {"bit_depth": 8, "color_type": 3},
            pal_rgb[..., ::-1], libpng_gray8(np, pal_rgb), note="PLTE lookup")
    trns = bytes((i * 37) % 256 for i in range(pal_n - 4))  # shorter than the palette on purpose
    add_png("png/palette8_trns.png", encode_pil(im_p, transparency=trns),
            {"bit_depth": 8, "color_type": 3}, pal_rgb[..., ::-1], libpng_gray8(np, pal_rgb),
            note="PLTE lookup, tRNS alpha dropped")

    # Palette, 4-bit indices (11 colours; Pillow picks the bit depth from the palette size).
    pal4_n = 11
    palette4 = palette[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]][:pal4_n]
    index4 = ((x // 2 + y * 3) % pal4_n).astype(np.uint8)
    index4[height - 6:height - 2, 2:8] = 9
    im_p4 = Image.fromarray(index4, mode="P")
    im_p4.putpalette(palette4.flatten().tolist())
    pal4_rgb = palette4[index4]
    add_png("png/palette4.png", encode_pil(im_p4), {"bit_depth": 4, "color_type": 3},
            pal4_rgb[..., ::-1], libpng_gray8(np, pal4_rgb), note="4-bit PLTE lookup")

    # 16-bit gray (cv2).
    gray16 = (gray.astype(np.uint16) << 8) | low_bytes(np, width, height, 1)
    add_png("png/gray16.png", encode_cv(".png", gray16), {"bit_depth": 16, "color_type": 0},
            gray_to_bgr((gray16 >> 8).astype(np.uint8)), (gray16 >> 8).astype(np.uint8),
            note="16-bit -> high byte")

    # 16-bit RGB (cv2).
    rgb16 = (rgb.astype(np.uint16) << 8) | np.dstack(
        [low_bytes(np, width, height, s) for s in (2, 3, 4)])
    rgb16[height // 2, 1] = (32896, 32896, 32896)            # keep one R == G == B pixel
    add_png("png/rgb16.png", encode_cv(".png", rgb16[..., ::-1]),
            {"bit_depth": 16, "color_type": 2},
            (rgb16[..., ::-1] >> 8).astype(np.uint8), libpng_gray16_to_8(np, rgb16),
            note="16-bit rgb_to_gray (rounding) then high byte")

    # 1-bit gray (Pillow "1").
    bits = (((x // 3) + (y // 2)) % 2 == 0) | ((x > 25) & (y < 8))
    bits[height - 5:height - 1, 1:4] = True
    bits[0, :] = False
    im_1 = Image.fromarray(bits.astype(np.uint8) * 255, mode="L").convert("1")
    g1 = np.where(bits, 255, 0).astype(np.uint8)
    add_png("png/gray1.png", encode_pil(im_1), {"bit_depth": 1, "color_type": 0},
            gray_to_bgr(g1), g1, note="1-bit -> 0/255")

    # 2-bit and 4-bit gray (Pillow "L" with bits=2 / bits=4).
    for nbits in (2, 4):
        levels = (1 << nbits) - 1
        values = ((x // 2 + y * 3 + (x * y) % 3) % (levels + 1)).astype(np.uint8)
        values[2:6, 3:9] = levels
        expanded = (values.astype(np.int64) * 255 // levels).astype(np.uint8)
        im_l = Image.fromarray(values * (255 // levels), mode="L")
        data = encode_pil(im_l, bits=nbits)
        add_png(f"png/gray{nbits}.png", data, {"bit_depth": nbits, "color_type": 0},
                gray_to_bgr(expanded), expanded, note=f"{nbits}-bit -> v*255/{levels}")

    # Adam7-interlaced 8-bit RGB (own encoder).
    add_png("png/rgb8_adam7.png", encode_rgb8_adam7(np, rgb),
            {"bit_depth": 8, "color_type": 2, "interlace": 1},
            rgb[..., ::-1], libpng_gray8(np, rgb), note="interlace is transparent")

    # 8-bit RGB with gAMA 1/2.2, and with sRGB (which implies gAMA 45455).
    rgb8_png = (out_dir / "png/rgb8.png").read_bytes()
    add_png("png/rgb8_gama.png",
            insert_after_ihdr(rgb8_png, [(b"gAMA", struct.pack(">I", 45455))]),
            {"bit_depth": 8, "color_type": 2}, rgb[..., ::-1],
            libpng_gray8_gamma(np, rgb, 45455), note="gamma-aware rgb_to_gray")
    add_png("png/rgb8_srgb.png", insert_after_ihdr(rgb8_png, [(b"sRGB", b"\0")]),
            {"bit_depth": 8, "color_type": 2}, rgb[..., ::-1],
            libpng_gray8_gamma(np, rgb, 45455), note="gamma-aware rgb_to_gray (sRGB)")

    # 8-bit RGB with an eXIf chunk, orientation 6.
    add_png("png/rgb8_exif6.png",
            insert_after_ihdr(rgb8_png, [(b"eXIf", tiff_orientation(6))]),
            {"bit_depth": 8, "color_type": 2}, np.rot90(rgb[..., ::-1], -1),
            np.rot90(libpng_gray8(np, rgb), -1), orientation=6, note="eXIf orientation applied")

    # JPEGs with EXIF orientation.
    jw, jh = JPEG_SIZE
    jrgb = colour_pattern(np, jw, jh)
    base = encode_cv(".jpg", jrgb[..., ::-1], (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY))
    jpeg_cases = [("exif/no_exif.jpg", base, None)]
    for n in range(1, 9):
        jpeg_cases.append((f"exif/orientation_{n}.jpg", with_app1_exif(base, tiff_orientation(n)),
                           n))
    jpeg_cases += [
        ("exif/orientation_6_bigendian.jpg",
         with_app1_exif(base, tiff_orientation(6, big_endian=True)), 6),
        ("exif/orientation_9_invalid.jpg", with_app1_exif(base, tiff_orientation(9)), 9),
        ("exif/malformed_truncated.jpg", with_app1_exif(base, tiff_truncated_orientation()), None),
        ("exif/partial_ifd_orientation_6.jpg",
         with_app1_exif(base, tiff_orientation_then_truncated_entry(6)), 6),
        # OpenCV reads the first two bytes of the value field whatever the type: a LONG 6 is 6
        # little-endian but 0 (no rotation) big-endian.
        ("exif/orientation_6_long_le.jpg", with_app1_exif(base, tiff_orientation(6, type_=4)), 6),
        ("exif/orientation_6_long_be.jpg",
         with_app1_exif(base, tiff_orientation(6, big_endian=True, type_=4)), 0),
        ("exif/bad_tiff_magic.jpg",
         with_app1_exif(base, b"II" + struct.pack("<H", 43) + tiff_orientation(6)[4:]), None),
        # Exif APP1 after the JFIF APP0 segment rather than right after SOI.
        ("exif/orientation_6_after_app0.jpg", app1_after_app0(base, tiff_orientation(6)), 6),
        # Two Exif APP1 segments: the first one's orientation (3) wins.
        ("exif/two_app1_3_then_6.jpg",
         with_app1_exif(with_app1_exif(base, tiff_orientation(6)), tiff_orientation(3)), 3),
    ]
    for rel, data, orientation in jpeg_cases:
        write_bytes(rel, data)
        cases[rel] = {"jpeg": True, "orientation": orientation}

    # Decode with OpenCV, check the models, build the fixture.
    base_path = out_dir / "exif/no_exif.jpg"
    base_color = cv2.imread(str(base_path), cv2.IMREAD_COLOR)
    base_gray = cv2.imread(str(base_path), cv2.IMREAD_GRAYSCALE)
    problems, files = [], []
    for rel, case in cases.items():
        path = out_dir / rel
        size = path.stat().st_size
        if size >= MAX_FILE_BYTES:
            problems.append(f"{rel}: {size} bytes (limit {MAX_FILE_BYTES})")
        color = cv2.imread(str(path), cv2.IMREAD_COLOR)
        gray_img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if color is None or gray_img is None:
            fail(f"cv2.imread could not decode {path}")
        if color.dtype != np.uint8 or color.ndim != 3 or gray_img.dtype != np.uint8 \
                or gray_img.ndim != 2 or color.shape[:2] != gray_img.shape:
            fail(f"unexpected decode of {rel}: {color.dtype} {color.shape} / {gray_img.shape}")
        cvt = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)

        if case.get("jpeg"):
            n = case["orientation"]
            want_color, want_gray = orient(np, base_color, n), orient(np, base_gray, n)
            unchanged = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            ignored = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
            if not np.array_equal(unchanged, base_color):
                problems.append(f"{rel}: IMREAD_UNCHANGED applies orientation")
            if not np.array_equal(ignored, base_color):
                problems.append(f"{rel}: IMREAD_IGNORE_ORIENTATION applies orientation")
        else:
            want_color, want_gray = case["bgr"], case["gray"]
            want_cvt = cv_gray(np, want_color[..., ::-1])
            if not np.array_equal(cvt, want_cvt):
                problems.append(f"{rel}: cvtColor model differs")
        for label, got, want in (("IMREAD_COLOR", color, want_color),
                                 ("IMREAD_GRAYSCALE", gray_img, want_gray)):
            if got.shape != want.shape:
                problems.append(f"{rel}: {label} shape {got.shape}, model {want.shape}")
            elif not np.array_equal(got, want):
                diff = np.abs(got.astype(int) - want.astype(int))
                problems.append(f"{rel}: {label} differs from the model in {(diff > 0).sum()} "
                                f"values (max {diff.max()})")
        same = np.array_equal(gray_img, cvt)
        print(f"{rel:40s} {size:6d} B  {color.shape[1]:3d}x{color.shape[0]:<3d} "
              f"imread gray {'==' if same else '!='} cvtColor gray"
              f"{'  (' + case['note'] + ')' if case.get('note') else ''}")
        files.append({
            "file": rel,
            "width": int(color.shape[1]), "height": int(color.shape[0]),
            "gray_imread_sha256": hashlib.sha256(np.ascontiguousarray(gray_img).tobytes()).hexdigest(),
            "gray_cvtcolor_sha256": hashlib.sha256(np.ascontiguousarray(cvt).tobytes()).hexdigest(),
            "orientation": case["orientation"],
        })

    # The content must tell each rule apart from its nearest alternatives (rules not vacuous).
    c = rgb.astype(np.int64)
    c16 = rgb16.astype(np.int64)
    t16 = 9797 * c16[..., 0] + 19234 * c16[..., 1] + 3737 * c16[..., 2]
    to_1, from_1 = gamma8_table(np, 219998), gamma8_table(np, 45455)
    alpha_f = alpha[..., None].astype(np.int64)
    alternatives = [
        ("png/rgb8.png", cv2.IMREAD_GRAYSCALE, cv_gray(np, rgb), "cvtColor BGR2GRAY formula"),
        ("png/rgb8.png", cv2.IMREAD_GRAYSCALE,
         (9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2] + 16384) >> 15,
         "libpng coefficients with rounding"),
        ("png/rgba8.png", cv2.IMREAD_COLOR, (c[..., ::-1] * alpha_f + 127) // 255,
         "compositing on black"),
        ("png/gray16.png", cv2.IMREAD_GRAYSCALE, np.floor(gray16 / 257.0 + 0.5),
         "16 -> 8 bits by rounding v/257"),
        ("png/rgb16.png", cv2.IMREAD_COLOR, np.floor(rgb16[..., ::-1] / 257.0 + 0.5),
         "16 -> 8 bits by rounding v/257"),
        ("png/rgb16.png", cv2.IMREAD_GRAYSCALE, (t16 >> 15) >> 8, "truncating 16-bit rgb_to_gray"),
        ("png/rgb16.png", cv2.IMREAD_GRAYSCALE, libpng_gray8(np, (rgb16 >> 8).astype(np.uint8)),
         "8-bit rgb_to_gray after stripping to 8 bits"),
        ("png/rgb8_gama.png", cv2.IMREAD_GRAYSCALE, libpng_gray8(np, rgb), "ignoring gAMA"),
        ("png/rgb8_gama.png", cv2.IMREAD_GRAYSCALE,
         from_1[(9797 * to_1[c[..., 0]] + 19234 * to_1[c[..., 1]] + 3737 * to_1[c[..., 2]]
                 + 16384) >> 15], "gamma path also for R == G == B pixels"),
    ]
    for rel, flag, alt, label in alternatives:
        if np.array_equal(cv2.imread(str(out_dir / rel), flag).astype(np.int64),
                          np.asarray(alt).astype(np.int64)):
            problems.append(f"{rel}: content does not rule out the alternative '{label}'")
    oriented = [orient(np, base_color, n) for n in range(1, 9)]
    for i in range(8):
        for j in range(i):
            if oriented[i].shape == oriented[j].shape and np.array_equal(oriented[i], oriented[j]):
                problems.append(f"orientations {j + 1} and {i + 1} look the same on the base JPEG")

    if problems:
        for p in problems:
            print(f"MISMATCH: {p}", file=sys.stderr)
        fail(f"{len(problems)} check(s) failed; fixture not written")

    fixture = {
        "generator": "scripts/reference/make_format_golden.py",
        "opencv": cv2.__version__,
        "reference": "gray_imread_sha256 = sha256(cv2.imread(path, cv2.IMREAD_GRAYSCALE).tobytes()); "
                     "gray_cvtcolor_sha256 = sha256(cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), "
                     "cv2.COLOR_BGR2GRAY).tobytes()); width/height after EXIF orientation; "
                     "orientation = EXIF orientation value OpenCV read (applied when 1..8) or null",
        "files": files,
    }
    text = dumps_compact(fixture)
    if json.loads(text) != fixture:
        fail("internal error: compact JSON formatting changed the data")
    (out_dir / JSON_NAME).write_text(text + "\n")
    print(f"opencv {cv2.__version__}: {len(files)} files; all model checks passed:")
    for rule in RULES:
        print(f"  - {rule}")
    print(f"wrote {out_dir / JSON_NAME} ({(out_dir / JSON_NAME).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
