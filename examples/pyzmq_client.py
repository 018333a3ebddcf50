#!/usr/bin/env python3
"""Feeds images into a running Moodwire stack and prints each face's emotions, using only pyzmq.

Start a stack first (e.g. `moodwire up --keep-running`, which runs without sources), then:

    python3 examples/pyzmq_client.py photo1.jpg photo2.png

Frames go to the broker's frame queue (base port + 0); results are read from the recorder's
acknowledgement feed (base port + 5) once they are committed to SQLite. The wire format is
documented in docs/protocol.md. Prints one JSON object per image, in the order given.
"""
import argparse
import json
import math
import struct
import sys
import time

import zmq

HEADER = struct.Struct("<4sBBHQqIIIIIH")  # 46 bytes, then the UTF-8 source id
MAGIC, VERSION = b"MOOD", 2
KIND_FRAME, KIND_ACK = 1, 4
FLAG_ACKNOWLEDGED, FLAG_STILL = 1, 4  # STILL: a photo, which the detector searches harder than a video frame
EMOTIONS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
KEYPOINTS = ["right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear_tragion", "left_ear_tragion"]
FACE = struct.Struct("<4if12f")  # box, detector score (NaN: none), six keypoints (NaN: none)


def encode_header(kind, source, seq, captured_at_us, flags=0):
    name = source.encode()
    return HEADER.pack(MAGIC, VERSION, kind, flags, seq, captured_at_us, 0, 0, 0, 0, 0, len(name)) + name


def decode_header(data):
    magic, version, kind, flags, seq, captured, width, height, faces, detect_us, classify_us, length = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION:
        raise ValueError(f"not a Moodwire v{VERSION} message")
    source = data[HEADER.size:HEADER.size + length].decode()
    return dict(kind=kind, flags=flags, seq=seq, captured_at_us=captured, width=width, height=height,
                face_count=faces, detect_us=detect_us, classify_us=classify_us, source=source)


def decode_faces(header, records, probabilities):
    faces = []
    for i in range(header["face_count"]):
        x, y, w, h, score, *points = FACE.unpack_from(records, FACE.size * i)
        scores = struct.unpack_from("<7f", probabilities, 28 * i)
        best = max(range(7), key=lambda k: scores[k])
        face = {"box": {"x": x, "y": y, "w": w, "h": h}}
        if not math.isnan(score):
            face["score"] = round(score, 3)
        if not math.isnan(points[0]):
            face["keypoints"] = {name: [round(points[2 * k], 3), round(points[2 * k + 1], 3)]
                                 for k, name in enumerate(KEYPOINTS)}
        face.update({"emotion": EMOTIONS[best], "confidence": round(scores[best], 6),
                     "probabilities": {e: round(p, 6) for e, p in zip(EMOTIONS, scores)}})
        faces.append(face)
    return faces


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=5550)
    parser.add_argument("--source", default="pyzmq-example")
    parser.add_argument("--first-seq", type=int, default=int(time.time() * 1000),
                        help="sequence number of the first image (default: now in ms, so reruns are new frames)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for all results")
    args = parser.parse_args()

    context = zmq.Context()
    feed = context.socket(zmq.SUB)
    feed.setsockopt(zmq.SUBSCRIBE, b"")
    feed.setsockopt(zmq.LINGER, 0)
    feed.connect(f"tcp://{args.host}:{args.base_port + 5}")
    frames = context.socket(zmq.PUSH)
    frames.setsockopt(zmq.LINGER, 0)
    frames.connect(f"tcp://{args.host}:{args.base_port}")
    time.sleep(0.3)  # let the subscription reach the recorder before the first result can

    pending = {}
    for offset, path in enumerate(args.images):
        seq = args.first_seq + offset
        with open(path, "rb") as image:
            data = image.read()
        header = encode_header(KIND_FRAME, args.source, seq, int(time.time() * 1e6), FLAG_ACKNOWLEDGED | FLAG_STILL)
        frames.send_multipart([header, data])
        pending[seq] = path

    results = {}
    deadline = time.monotonic() + args.timeout
    while pending and time.monotonic() < deadline:
        if not feed.poll(100):
            continue
        parts = feed.recv_multipart()
        header = decode_header(parts[0])
        if header["kind"] != KIND_ACK or header["source"] != args.source or header["seq"] not in pending:
            continue
        path = pending.pop(header["seq"])
        results[path] = {"image": path, "source": header["source"], "seq": header["seq"],
                         "width": header["width"], "height": header["height"],
                         "faces": decode_faces(header, parts[1], parts[2])}
    for path in args.images:
        if path in results:
            print(json.dumps(results[path]))
    if pending:
        print(f"no result within {args.timeout} s for: {', '.join(pending.values())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
