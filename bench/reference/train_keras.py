#!/usr/bin/env python3
"""Reference benchmark for `moodwire bench train`: the same network trained by Keras on TensorFlow (CPU).

`moodwire bench train --reference` writes a folder with the network as a Moodwire model file
(model.safetensors: graph and initial weights), the images (pixels.u8: N x side x side bytes) and
their labels (labels.u8), and runs this script on it. The script builds the Keras model from the
graph (bench/reference/keras_graph.py), loads the same weights, and times training steps (forward,
backward, SGD with Nesterov momentum, label smoothing 0.1, inputs scaled to [-1, 1]) on the same
batches in the same order, without augmentation, as Moodwire does. Each thread count runs in a
process of its own, since TensorFlow fixes its thread pools when it starts.

How to run (from the repository root):

    python3 bench/reference/train_keras.py FOLDER [--threads 1,2] [--batch 128] [--seconds 10]

On first use it creates the virtualenv .build-train-venv at the repository root and installs
tensorflow-cpu into it with pip (pass --no-venv to use the current interpreter).

Prints a JSON list on standard output, one entry per thread count:
    {"runtime": "keras 3.x / tensorflow 2.x", "threads": 1, "batch": 128, "median_ms_per_step": ..., "images_per_second": ...}
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_venv import ensure_venv, fail, log  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".build-train-venv"
PACKAGES = ["tensorflow-cpu", "numpy"]
MODULES = ["tensorflow", "numpy"]


def measure(folder, threads, batch, seconds):
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    from keras_graph import build, read_model

    graph, labels, tensors = read_model(folder / "model.safetensors")
    model = build(graph, tensors, keras)
    side = model.input_shape[1]
    pixels = np.fromfile(folder / "pixels.u8", dtype=np.uint8).reshape(-1, side, side, 1)
    classes = np.fromfile(folder / "labels.u8", dtype=np.uint8)
    inputs = (pixels.astype(np.float32) / 255.0 - 0.5) * 2.0
    targets = np.eye(len(labels), dtype=np.float32)[classes]
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
    model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    steps = len(inputs) // batch

    def step(index):
        start = (index % steps) * batch
        model.train_on_batch(inputs[start:start + batch], targets[start:start + batch])

    for index in range(2):
        step(index)
    times = []
    begin = time.perf_counter()
    index = 2
    while len(times) < 5 or time.perf_counter() - begin < seconds:
        started = time.perf_counter()
        step(index)
        times.append((time.perf_counter() - started) * 1000)
        index += 1
    median = statistics.median(times)
    return {
        "runtime": f"keras {keras.__version__} / tensorflow {tf.__version__}", "threads": threads, "batch": batch,
        "median_ms_per_step": median, "images_per_second": batch / (median / 1000),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-venv", action="store_true", help=f"use the current interpreter instead of {VENV.name}")
    args = parser.parse_args()
    if not args.no_venv:
        ensure_venv(__file__, venv=VENV, packages=PACKAGES, modules=MODULES)
    counts = [int(t) for t in args.threads.split(",") if t]
    if args.one:
        print(json.dumps(measure(args.folder, counts[0], args.batch, args.seconds)))
        return 0
    results = []
    for threads in counts:
        log(f"keras: timing {threads} thread(s)")
        done = subprocess.run([sys.executable, __file__, str(args.folder), "--one", "--no-venv", "--threads", str(threads),
                               "--batch", str(args.batch), "--seconds", str(args.seconds)], stdout=subprocess.PIPE, text=True)
        if done.returncode != 0:
            fail(f"the Keras run with {threads} thread(s) failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
