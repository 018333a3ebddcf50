#!/usr/bin/env python3
"""OpenCV reference outputs for Moodwire's JPEG-to-gray decode and INTER_LINEAR resize tests.

Writes Tests/ImagingTests/Fixtures/opencv_images.json:
  - decodes: size and SHA-256 of cv2.imread(path, cv2.IMREAD_GRAYSCALE) pixel bytes (row-major,
    no padding) for every JPEG in faces/ and the first 5 FER2013 PublicTest files of happy/;
  - resizes: the uint8 output (base64, row-major) of cv2.resize(gray[crop], (width, height)) with the
    default INTER_LINEAR for FER images (48x48 -> 64x64, 96x96, 24x24, 100x37) and for crops of
    several sizes and aspect ratios from colour photos (downscales and upscales to 64x64).
Paths in the fixture are relative to the data directory.

How to run (from the repository root; the data is not part of the repository):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt
    /tmp/refvenv/bin/python scripts/reference/make_image_golden.py [--data ../shared/data] \
        [--output Tests/ImagingTests/Fixtures/opencv_images.json]
"""

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import DEFAULT_DATA, REPO_ROOT, dumps_compact, fail, shared_data  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "Tests" / "ImagingTests" / "Fixtures" / "opencv_images.json"

FER_DIR = "fer2013/publictest"
FACES_DIR = "faces"

# FER images resized 48x48 -> 64x64 without a crop: the first FER_PER_LABEL files (sorted by name)
# of each of these label folders.
FER_RESIZE_LABELS = ["angry", "disgust", "fear", "happy", "neutral"]
FER_PER_LABEL = 2
# Extra output sizes for the first file of happy/ (24x24 is an exact 2x downscale).
FER_EXTRA_SIZES = [(96, 96), (24, 24), (100, 37)]

# Crops (x, y, w, h) of colour photos, resized to 64x64; None means the whole image.
PHOTO_CROPS = [
    ("2008_001009.jpg", (100, 100, 150, 150)),
    ("2008_001009.jpg", (37, 211, 97, 113)),
    ("2008_001009.jpg", (30, 150, 300, 180)),
    ("2008_001009.jpg", None),
    ("2007_007763.jpg", (192, 88, 40, 40)),
    ("2007_007763.jpg", (160, 110, 33, 61)),
    ("2007_007763.jpg", (0, 0, 150, 150)),
    ("bald_guys.jpg", (400, 300, 300, 180)),
    ("bald_guys.jpg", (1001, 703, 97, 113)),
    ("bald_guys.jpg", (1500, 1000, 33, 61)),
    ("bald_guys.jpg", (1211, 207, 40, 40)),
]
PHOTO_OUTPUT = (64, 64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="shared data directory holding faces/ and fer2013/publictest "
                             "(default: ../shared/data relative to the repository root)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="fixture to write")
    args = parser.parse_args()

    data = shared_data(args.data, FACES_DIR, FER_DIR)
    try:
        import cv2
        import numpy as np
    except ImportError as exc:
        fail(f"{exc}; install the requirements: pip install -r scripts/reference/requirements.txt")

    cache = {}

    def gray(rel):
        if rel not in cache:
            img = cv2.imread(str(data / rel), cv2.IMREAD_GRAYSCALE)
            if img is None:
                fail(f"could not decode {data / rel}")
            cache[rel] = img
        return cache[rel]

    def fer_files(label, n):
        folder = data / FER_DIR / label
        if not folder.is_dir():
            fail(f"{folder} not found")
        names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".jpg")[:n]
        if len(names) < n:
            fail(f"{folder} holds fewer than {n} .jpg files")
        return [f"{FER_DIR}/{label}/{name}" for name in names]

    # Decodes.
    face_files = sorted(p.name for p in (data / FACES_DIR).iterdir() if p.suffix.lower() == ".jpg")
    if not face_files:
        fail(f"no .jpg files in {data / FACES_DIR}")
    decode_paths = [f"{FACES_DIR}/{name}" for name in face_files] + fer_files("happy", 5)
    decodes = []
    for rel in decode_paths:
        img = np.ascontiguousarray(gray(rel))
        if img.dtype != np.uint8 or img.ndim != 2:
            fail(f"unexpected decode of {rel}: {img.dtype} {img.shape}")
        decodes.append({"path": rel, "width": int(img.shape[1]), "height": int(img.shape[0]),
                        "sha256": hashlib.sha256(img.tobytes()).hexdigest()})

    # Resizes.
    cases = []  # (path, crop or None, (width, height))
    for label in FER_RESIZE_LABELS:
        cases.extend((rel, None, (64, 64)) for rel in fer_files(label, FER_PER_LABEL))
    first_happy = fer_files("happy", 1)[0]
    cases.extend((first_happy, None, size) for size in FER_EXTRA_SIZES)
    cases.extend((f"{FACES_DIR}/{name}", crop, PHOTO_OUTPUT) for name, crop in PHOTO_CROPS)

    resizes = []
    for rel, crop, (width, height) in cases:
        img = gray(rel)
        if crop is not None:
            x, y, w, h = crop
            if x < 0 or y < 0 or x + w > img.shape[1] or y + h > img.shape[0]:
                fail(f"crop {crop} outside {rel} ({img.shape[1]}x{img.shape[0]})")
            img = img[y:y + h, x:x + w]
        src = np.ascontiguousarray(img)
        out = cv2.resize(src, (width, height))
        assert out.shape == (height, width) and out.dtype == np.uint8
        resizes.append({
            "path": rel,
            "crop": None if crop is None else {"x": crop[0], "y": crop[1], "w": crop[2], "h": crop[3]},
            "source_width": int(src.shape[1]), "source_height": int(src.shape[0]),
            "width": width, "height": height,
            "pixels": base64.b64encode(np.ascontiguousarray(out).tobytes()).decode("ascii"),
        })
        # OpenCV routes an exact 2x downscale with INTER_LINEAR to its INTER_AREA fast path; say
        # whether that is observable in the output.
        if src.shape[1] == 2 * width and src.shape[0] == 2 * height:
            area = cv2.resize(src, (width, height), interpolation=cv2.INTER_AREA)
            exact = cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR_EXACT)
            print(f"note: {rel} {src.shape[1]}x{src.shape[0]} -> {width}x{height} (exact 2x): "
                  f"INTER_LINEAR output {'==' if np.array_equal(out, area) else '!='} INTER_AREA, "
                  f"{'==' if np.array_equal(out, exact) else '!='} INTER_LINEAR_EXACT")

    fixture = {
        "generator": "scripts/reference/make_image_golden.py",
        "opencv": cv2.__version__,
        "reference": "gray = cv2.imread(data/path, cv2.IMREAD_GRAYSCALE) (uint8, libjpeg-turbo decode to "
                     "grayscale); resized = cv2.resize(gray[y:y+h, x:x+w] or gray, (width, height)) with the "
                     "default INTER_LINEAR; pixels = base64 of the row-major uint8 bytes",
        "decodes": decodes,
        "resizes": resizes,
    }
    text = dumps_compact(fixture)
    if json.loads(text) != fixture:
        fail("internal error: compact JSON formatting changed the data")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w") as f:
        f.write(text + "\n")
    print(f"opencv {cv2.__version__}: {len(decodes)} decodes, {len(resizes)} resizes")
    print(f"wrote {output} ({output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
