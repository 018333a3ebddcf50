"""Shared by the reference benchmarks: run inside a virtualenv at the repository root
(`.build-bench-venv` for the inference references; the training reference passes its own, which
holds TensorFlow), creating it and pip-installing the reference libraries on first use."""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_DIR = REPO_ROOT / ".build-bench-venv"
PACKAGES = ["onnx", "onnxruntime", "h5py", "numpy", "opencv-python-headless<5", "ai-edge-litert==2.3.0"]
MODULES = ["onnx", "onnxruntime", "h5py", "numpy", "cv2", "ai_edge_litert"]
REEXEC_MARKER = "MOODWIRE_BENCH_REEXEC"


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def log(message):
    print(message, file=sys.stderr, flush=True)


def inside_venv(venv=VENV_DIR):
    try:
        return Path(sys.prefix).resolve() == venv.resolve()
    except OSError:
        return False


def ensure_venv(script, venv=VENV_DIR, packages=PACKAGES, modules=MODULES):
    """Returns when running inside the virtualenv; otherwise prepares it and re-executes
    `script` with the same arguments under its interpreter (never returns then)."""
    if inside_venv(venv):
        return
    python = venv / "bin" / "python"
    if os.environ.get(REEXEC_MARKER):
        fail(f"re-executed with {python} but still not inside {venv}")
    if not python.exists():
        log(f"creating virtualenv {venv}")
        if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
            fail(f"could not create the virtualenv {venv} (is python3-venv installed?)")
    probe = "import " + ", ".join(modules)
    have = subprocess.run([str(python), "-c", probe], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0
    if not have:
        log(f"installing {' '.join(packages)} into {venv}")
        cmd = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages]
        if subprocess.run(cmd).returncode != 0:
            fail("pip install failed; see the messages above")
    env = dict(os.environ, **{REEXEC_MARKER: "1"})
    os.execve(str(python), [str(python), str(Path(script).resolve()), *sys.argv[1:]], env)
