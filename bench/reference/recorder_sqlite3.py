#!/usr/bin/env python3
"""Reference benchmark for the recorder: the rows `RecorderBenchmark` writes through Moodwire's
`ResultStore`, inserted into the same schema with Python's sqlite3 `executemany`.

Each run creates a new database (WAL, synchronous=NORMAL, the schema below), then inserts --frames
frames of one source with --faces-per-frame faces each, in transactions of --batch frames
(BEGIN IMMEDIATE ... COMMIT): one executemany for the batch's frames, one for its faces. The rows are
built before the clock starts (Python's best case; Moodwire's time includes turning results into
rows). Frame ids are given explicitly, since executemany cannot return them.

    python3 bench/reference/recorder_sqlite3.py [--db PATH] [--frames 20000] [--faces-per-frame 5]
        [--batch 100] [--runs 5]

Prints one JSON object on standard output: {"face_rows_per_second", "frames_per_second",
"median_seconds", "frames", "faces_per_frame", "batch", "runs", "sqlite_version"}, medians over the
runs. Only the standard library is needed.
"""

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

def read_schema():
    """ResultSchema.sql (its tables, then its view), read from Sources/ResultDatabase/ResultSchema.swift
    (the multi-line string literals, without their 8-space indentation), so that the two cannot drift
    apart; ResultDatabaseTests also checks that the database this script makes has exactly the schema
    ResultStore makes."""
    swift = Path(__file__).resolve().parents[2] / "Sources" / "ResultDatabase" / "ResultSchema.swift"
    text = swift.read_text(encoding="utf-8")

    def literal(name):
        body = text.split(f'static let {name} = """\n', 1)[1].split('"""', 1)[0]
        return "".join(line[8:] if line.startswith(" " * 8) else line for line in body.splitlines(keepends=True))

    return literal("sql") + literal("view")


SCHEMA = read_schema()
SCHEMA_VERSION = 2
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear_tragion", "left_ear_tragion")


def synthetic_rows(frames, faces_per_frame, processed_at):
    """The frames and faces rows of RecorderBenchmark.syntheticResults: frame f of source "bench"
    at 30 frames per second, face k's probabilities proportional to 1 + (7f + 3k + 5e) % 11, score
    0.75 and keypoint i at (x + 16 i + 0.25, y + 40.5)."""
    frame_rows, face_rows = [], []
    for frame in range(frames):
        frame_id = frame + 1
        captured_at = (1_700_000_000_000_000 + frame * 33_333) / 1e6
        frame_rows.append((frame_id, "bench", frame, captured_at, processed_at, 1280, 720, faces_per_frame, 21.0, 0.9))
        for face in range(faces_per_frame):
            weights = [1 + (7 * frame + 3 * face + 5 * e) % 11 for e in range(7)]
            total = sum(weights)
            probabilities = [w / total for w in weights]
            top = max(range(7), key=lambda e: (probabilities[e], -e))
            x, y = 10 + 100 * face, 200
            keypoints = "{" + ",".join(f'"{name}":[{x + 16 * i + 0.25:.2f},{y + 40.5:.2f}]'
                                       for i, name in enumerate(KEYPOINTS)) + "}"
            face_rows.append((frame_id, face, x, y, 96, 96, EMOTIONS[top], probabilities[top],
                              *probabilities, 0.75, keypoints))
    return frame_rows, face_rows


def run_once(path, frame_rows, face_rows, faces_per_frame, batch):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.executescript(SCHEMA + f"\nPRAGMA user_version = {SCHEMA_VERSION};")
    insert_frame = ("INSERT INTO frames (id, source, seq, captured_at, processed_at, width, height, face_count, "
                    "detect_ms, classify_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, seq) DO NOTHING")
    insert_face = ("INSERT INTO faces (frame_id, face_index, x, y, w, h, emotion, confidence, "
                   "angry, disgust, fear, happy, sad, surprise, neutral, score, keypoints) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    start = time.perf_counter()
    for first in range(0, len(frame_rows), batch):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert_frame, frame_rows[first:first + batch])
        connection.executemany(insert_face, face_rows[first * faces_per_frame:(first + batch) * faces_per_frame])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    frames, faces = connection.execute("SELECT (SELECT count(*) FROM frames), (SELECT count(*) FROM faces)").fetchone()
    connection.close()
    if (frames, faces) != (len(frame_rows), len(face_rows)):
        sys.exit(f"error: {frames} frames and {faces} faces recorded, expected {len(frame_rows)} and {len(face_rows)}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "moodwire-recorder-reference.db"),
                        help="scratch database file, recreated for each run")
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--faces-per-frame", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100, help="frames per transaction")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.frames < 1 or args.faces_per_frame < 0 or args.batch < 1 or args.runs < 1:
        parser.error("--frames, --batch and --runs must be positive, --faces-per-frame at least 0")

    frame_rows, face_rows = synthetic_rows(args.frames, args.faces_per_frame, time.time())
    seconds = statistics.median(run_once(args.db, frame_rows, face_rows, args.faces_per_frame, args.batch)
                                for _ in range(args.runs))
    print(json.dumps({
        "face_rows_per_second": len(face_rows) / seconds,
        "frames_per_second": len(frame_rows) / seconds,
        "median_seconds": seconds,
        "frames": args.frames,
        "faces_per_frame": args.faces_per_frame,
        "batch": args.batch,
        "runs": args.runs,
        "sqlite_version": sqlite3.sqlite_version,
    }))


if __name__ == "__main__":
    main()
