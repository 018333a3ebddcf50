#!/usr/bin/env python3
"""Reference benchmark for `moodwire bench detector`: OpenCV 4's CascadeClassifier.detectMultiScale
on the same images with the same parameters.

Images: every *.jpg in --data made gray as Moodwire's --gray says (rgb-weighted: cv2.imread in colour
then cv2.cvtColor; luma: cv2.IMREAD_GRAYSCALE, the JPEG's own luma channel) and each
of them resized to 640x480 with cv2.resize INTER_LINEAR (Moodwire's resize is bit-exact with it).
For each thread count (cv2.setNumThreads) and image: warm-up, then repeated calls for about
--seconds; the median time per call.

    python3 bench/reference/detector_opencv.py [--cascade PATH] [--data DIR] [--threads 1,2]
        [--scale-factor 1.1] [--min-neighbors 5] [--min-size 30] [--max-size 0] [--gray rgb-weighted]
        [--seconds 1] [--json]

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

DEFAULT_CASCADE = "~/.local/share/moodwire/models/haarcascade_frontalface_default.xml"
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "faces"


def images(cv2, folder, gray_conversion):
    paths = sorted(Path(folder).glob("*.jpg"))
    if not paths:
        fail(f"no .jpg images in {folder}")
    result = []
    for path in paths:
        if gray_conversion == "luma":
            gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        else:
            colour = cv2.imread(str(path), cv2.IMREAD_COLOR)
            gray = None if colour is None else cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
        if gray is None:
            fail(f"cannot read {path}")
        result.append((path.name, gray))
    for path, gray in list(result):
        result.append((f"{path}@640x480", cv2.resize(gray, (640, 480))))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cascade", default=DEFAULT_CASCADE)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--scale-factor", type=float, default=1.1)
    parser.add_argument("--min-neighbors", type=int, default=5)
    parser.add_argument("--min-size", type=int, default=30)
    parser.add_argument("--max-size", type=int, default=0, help="0: the image size")
    parser.add_argument("--gray", choices=["rgb-weighted", "luma"], default="rgb-weighted")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    args = parser.parse_args()
    ensure_venv(__file__)
    import cv2

    cascade_path = Path(args.cascade).expanduser()
    detector = cv2.CascadeClassifier(str(cascade_path))
    if detector.empty():
        fail(f"cannot load the cascade {cascade_path} (run scripts/fetch-models.sh)")
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        cv2.setNumThreads(threads)
        for name, gray in images(cv2, args.data, args.gray):
            def run():
                return detector.detectMultiScale(gray, scaleFactor=args.scale_factor, minNeighbors=args.min_neighbors,
                                                 minSize=(args.min_size, args.min_size),
                                                 maxSize=(args.max_size, args.max_size) if args.max_size > 0 else None)
            run()
            times = []
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end or len(times) < 3:
                start = time.perf_counter()
                faces = run()
                times.append(time.perf_counter() - start)
            row = {"runtime": f"opencv {cv2.__version__}", "threads": threads, "image": name,
                   "width": int(gray.shape[1]), "height": int(gray.shape[0]),
                   "median_ms": statistics.median(times) * 1000, "faces": len(faces)}
            rows.append(row)
            log(f"{row['runtime']}  threads={threads}  {name:28s} {row['width']}x{row['height']}  "
                f"median {row['median_ms']:8.2f} ms  {row['faces']} faces")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
