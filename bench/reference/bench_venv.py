"""Shared by the reference benchmarks: run inside the virtualenv `.build-bench-venv` at the
repository root, creating it and pip-installing the reference libraries on first use."""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_DIR = REPO_ROOT / ".build-bench-venv"
PACKAGES = ["onnx", "onnxruntime", "h5py", "numpy", "opencv-python-headless<5"]
MODULES = ["onnx", "onnxruntime", "h5py", "numpy", "cv2"]
REEXEC_MARKER = "MOODWIRE_BENCH_REEXEC"


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def log(message):
    print(message, file=sys.stderr, flush=True)


def inside_venv():
    try:
        return Path(sys.prefix).resolve() == VENV_DIR.resolve()
    except OSError:
        return False


def ensure_venv(script):
    """Returns when running inside the virtualenv; otherwise prepares it and re-executes
    `script` with the same arguments under its interpreter (never returns then)."""
    if inside_venv():
        return
    python = VENV_DIR / "bin" / "python"
    if os.environ.get(REEXEC_MARKER):
        fail(f"re-executed with {python} but still not inside {VENV_DIR}")
    if not python.exists():
        log(f"creating virtualenv {VENV_DIR}")
        if subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)]).returncode != 0:
            fail(f"could not create the virtualenv {VENV_DIR} (is python3-venv installed?)")
    probe = "import " + ", ".join(MODULES)
    have = subprocess.run([str(python), "-c", probe], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0
    if not have:
        log(f"installing {' '.join(PACKAGES)} into {VENV_DIR}")
        cmd = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES]
        if subprocess.run(cmd).returncode != 0:
            fail("pip install failed; see the messages above")
    env = dict(os.environ, **{REEXEC_MARKER: "1"})
    os.execve(str(python), [str(python), str(Path(script).resolve()), *sys.argv[1:]], env)
