#!/usr/bin/env python3
"""Reference training steps (Keras on TensorFlow) for Moodwire's training engine tests.

Builds a small network with every kind of layer `moodwire train` uses (convolution, batch
normalisation in training mode, ReLU, a separable convolution, max pooling, a residual add with a
strided 1x1 shortcut, global average pooling, dense, softmax), with seeded random weights, and runs
two SGD steps on one seeded batch: Nesterov momentum 0.9, learning rate 0.05, L2 weight decay 5e-4 on
the kernels (a Keras L2 regulariser of 2.5e-4), label smoothing 0.1, batch statistics over the whole
batch. Writes the graph, the initial weights, the batch, the loss of each step (cross-entropy without
the decay term) and the weights and moving statistics after each step to
Tests/TrainingTests/Fixtures/keras_training_steps.json. The Swift test runs the same two steps with
TrainingGraph, SoftmaxCrossEntropy and SGD and compares to 1e-4.

How to run (from the repository root):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r scripts/reference/requirements.txt
    /tmp/refvenv/bin/python scripts/reference/make_training_golden.py
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "reference"))
from reference_common import REPO_ROOT, dumps_compact  # noqa: E402

OUTPUT = REPO_ROOT / "Tests" / "TrainingTests" / "Fixtures" / "keras_training_steps.json"
SIDE, BATCH, CLASSES = 10, 8, 7
LEARNING_RATE, MOMENTUM, WEIGHT_DECAY, SMOOTHING = 0.05, 0.9, 5e-4, 0.1


def node(name, op, inputs, **fields):
    return {"name": name, "op": op, "inputs": inputs, **fields}


def graph():
    conv = dict(kernel=[3, 3], strides=[1, 1], padding="same", use_bias=False, activation="linear")
    return {"nodes": [
        node("input", "input", [], shape=[SIDE, SIDE, 1], normalization={"divide": 255.0, "subtract": 0.5, "multiply": 2.0}),
        node("conv", "conv2d", ["input"], filters=4, **conv),
        node("conv_bn", "batch_norm", ["conv"], epsilon=1e-3, center=True, scale=True),
        node("conv_relu", "activation", ["conv_bn"], activation="relu"),
        node("sep", "separable_conv2d", ["conv_relu"], filters=6, depth_multiplier=1, **conv),
        node("sep_bn", "batch_norm", ["sep"], epsilon=1e-3, center=True, scale=True),
        node("pool", "max_pool2d", ["sep_bn"], pool=[3, 3], strides=[2, 2], padding="same"),
        node("shortcut", "conv2d", ["conv_relu"], filters=6, kernel=[1, 1], strides=[2, 2], padding="same",
             use_bias=False, activation="linear"),
        node("shortcut_bn", "batch_norm", ["shortcut"], epsilon=1e-3, center=True, scale=True),
        node("add", "add", ["pool", "shortcut_bn"]),
        node("gap", "global_average_pool2d", ["add"]),
        node("logits", "dense", ["gap"], units=CLASSES, use_bias=True, activation="linear"),
        node("predictions", "activation", ["logits"], activation="softmax"),
    ], "outputs": ["predictions"]}


def main():
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf
    import keras
    from keras_graph import build

    tf.config.experimental.enable_op_determinism()
    random = np.random.default_rng(20261130)
    shapes = {
        "conv/kernel": [3, 3, 1, 4], "sep/depthwise_kernel": [3, 3, 4, 1], "sep/pointwise_kernel": [1, 1, 4, 6],
        "shortcut/kernel": [1, 1, 4, 6], "logits/kernel": [6, CLASSES], "logits/bias": [CLASSES],
    }
    tensors = {name: (random.standard_normal(shape) * 0.5).astype(np.float32) for name, shape in shapes.items()}
    for norm, channels in [("conv_bn", 4), ("sep_bn", 6), ("shortcut_bn", 6)]:
        tensors[norm + "/gamma"] = (1 + 0.2 * random.standard_normal(channels)).astype(np.float32)
        tensors[norm + "/beta"] = (0.1 * random.standard_normal(channels)).astype(np.float32)
        tensors[norm + "/moving_mean"] = np.zeros(channels, np.float32)
        tensors[norm + "/moving_variance"] = np.ones(channels, np.float32)
    inputs = random.uniform(-1, 1, size=(BATCH, SIDE, SIDE, 1)).astype(np.float32)
    labels = random.integers(0, CLASSES, size=BATCH)

    model = build(graph(), tensors, keras, weight_decay=WEIGHT_DECAY)
    optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM, nesterov=True)
    crossentropy = keras.losses.CategoricalCrossentropy(label_smoothing=SMOOTHING)
    targets = np.eye(CLASSES, dtype=np.float32)[labels]

    def state():
        values = {}
        for layer in model.layers:
            for variable in layer.weights:
                role = variable.path.split("/")[-1]
                values[f"{layer.name}/{role}"] = np.asarray(variable.numpy(), np.float64).ravel().tolist()
        return values

    steps = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            probabilities = model(inputs, training=True)
            loss = crossentropy(targets, probabilities)
            total = loss + tf.add_n(model.losses)
        gradients = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        steps.append({"loss": float(loss), "tensors": state()})

    fixture = {
        "generator": f"scripts/reference/make_training_golden.py (keras {keras.__version__}, tensorflow {tf.__version__})",
        "settings": {"learning_rate": LEARNING_RATE, "momentum": MOMENTUM, "nesterov": True, "weight_decay": WEIGHT_DECAY,
                     "label_smoothing": SMOOTHING},
        "graph": graph(),
        "initial": {name: {"shape": list(value.shape), "values": value.astype(np.float64).ravel().tolist()}
                    for name, value in tensors.items()},
        "inputs": inputs.astype(np.float64).ravel().tolist(),
        "labels": labels.tolist(),
        "steps": steps,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(dumps_compact(fixture) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
