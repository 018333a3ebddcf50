"""Builds a Keras model from a Moodwire model file (the layer graph in its metadata and its weights),
for the training references: bench/reference/train_keras.py and scripts/reference/make_training_golden.py.

The graph is the one `moodwire train` trains (docs/training.md): input, conv2d, separable_conv2d,
depthwise_conv2d, batch_norm, activation, max_pool2d, average_pool2d, add, global_average_pool2d,
dense, flatten, dropout. Weights keep Keras's layouts, so they load as they are.
"""

import json
import struct

import numpy as np


def read_model(path):
    """(graph, labels, tensors) of a Moodwire safetensors model file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__")
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        values = np.frombuffer(data[8 + length + start:8 + length + end], dtype="<f4")
        tensors[name] = values.reshape(entry["shape"]).astype(np.float32)
    return json.loads(metadata["graph"]), json.loads(metadata["labels"]), tensors


def build(graph, tensors, keras, weight_decay=0.0):
    """A keras.Model for `graph` with `tensors` loaded; with `weight_decay`, every kernel carries an L2
    regulariser of weight_decay / 2 (its gradient is weight_decay * w, Moodwire's L2 decay)."""
    layers = keras.layers
    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None
    values = {}
    loads = []
    model_input = None
    for node in graph["nodes"]:
        op, name = node["op"], node["name"]
        inputs = [values[i] for i in node.get("inputs", [])]
        if op == "input":
            model_input = keras.Input(shape=tuple(node["shape"]), name=name)
            values[name] = model_input
            continue
        activation = node.get("activation") or "linear"
        if op == "conv2d":
            layer = layers.Conv2D(node["filters"], tuple(node["kernel"]), strides=tuple(node.get("strides") or [1, 1]),
                                  padding=node.get("padding") or "valid", use_bias=node.get("use_bias", True),
                                  activation=activation, kernel_regularizer=regularizer, name=name)
            weights = [tensors[name + "/kernel"]] + ([tensors[name + "/bias"]] if node.get("use_bias", True) else [])
        elif op == "separable_conv2d":
            layer = layers.SeparableConv2D(node["filters"], tuple(node["kernel"]), strides=tuple(node.get("strides") or [1, 1]),
                                           padding=node.get("padding") or "valid", use_bias=node.get("use_bias", True),
                                           depth_multiplier=node.get("depth_multiplier") or 1, activation=activation,
                                           depthwise_regularizer=regularizer, pointwise_regularizer=regularizer, name=name)
            weights = [tensors[name + "/depthwise_kernel"], tensors[name + "/pointwise_kernel"]]
            weights += [tensors[name + "/bias"]] if node.get("use_bias", True) else []
        elif op == "depthwise_conv2d":
            layer = layers.DepthwiseConv2D(tuple(node["kernel"]), strides=tuple(node.get("strides") or [1, 1]),
                                           padding=node.get("padding") or "valid", use_bias=node.get("use_bias", True),
                                           depth_multiplier=node.get("depth_multiplier") or 1, activation=activation,
                                           depthwise_regularizer=regularizer, name=name)
            weights = [tensors[name + "/depthwise_kernel"]] + ([tensors[name + "/bias"]] if node.get("use_bias", True) else [])
        elif op == "batch_norm":
            center, scale = node.get("center", True), node.get("scale", True)
            layer = layers.BatchNormalization(epsilon=node.get("epsilon") or 1e-3, momentum=0.99, center=center, scale=scale, name=name)
            weights = ([tensors[name + "/gamma"]] if scale else []) + ([tensors[name + "/beta"]] if center else [])
            weights += [tensors[name + "/moving_mean"], tensors[name + "/moving_variance"]]
        elif op == "activation":
            layer, weights = layers.Activation(activation, name=name), []
        elif op in ("max_pool2d", "average_pool2d"):
            kind = layers.MaxPooling2D if op == "max_pool2d" else layers.AveragePooling2D
            layer = kind(tuple(node["pool"]), strides=tuple(node.get("strides") or node["pool"]), padding=node.get("padding") or "valid", name=name)
            weights = []
        elif op == "add":
            layer, weights = layers.Add(name=name), []
        elif op == "global_average_pool2d":
            layer, weights = layers.GlobalAveragePooling2D(name=name), []
        elif op == "flatten":
            layer, weights = layers.Flatten(name=name), []
        elif op == "dropout":
            layer, weights = layers.Dropout(node.get("rate") or 0.5, name=name), []
        elif op == "dense":
            layer = layers.Dense(node["units"], use_bias=node.get("use_bias", True), activation=activation,
                                 kernel_regularizer=regularizer, name=name)
            weights = [tensors[name + "/kernel"]] + ([tensors[name + "/bias"]] if node.get("use_bias", True) else [])
        else:
            raise ValueError(f"unsupported op {op} in node {name}")
        values[name] = layer(inputs if op == "add" else inputs[0])
        loads.append((layer, weights))
    model = keras.Model(model_input, values[graph["outputs"][0]])
    for layer, weights in loads:
        if weights:
            layer.set_weights(weights)
    return model
