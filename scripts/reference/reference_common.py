"""Shared by the reference (golden fixture) scripts in this folder."""

import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def dumps_compact(obj, objects=False):
    """JSON with indent=1, but every list of plain values (and, with `objects`, every object of
    plain values) kept on one line, so fixtures stay small and diffable."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]",
                  lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
    if objects:
        text = re.sub(r"\{\n\s*([^\[\]{}]*?)\n\s*\}",
                      lambda m: "{" + re.sub(r",\n\s*", ", ", m.group(1)) + "}", text)
    return text


def shared_data(path, *subfolders):
    """The shared data folder `path` (~ expanded), after checking it holds `subfolders`."""
    data = Path(path).expanduser()
    for sub in subfolders:
        if not (data / sub).is_dir():
            fail(f"{data / sub} not found (pass --data DIR, the shared data directory)")
    return data
