#!/usr/bin/env bash
# Set-up on Debian 12 as root: system packages, the model files, and a release build.
# Safe to run again; each step skips what is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(libzmq3-dev libturbojpeg0-dev libspng-dev libopenblas0-pthread libsqlite3-dev ffmpeg pkg-config
          python3 python3-pip python3-h5py python3-numpy python3-zmq opencv-data)
bash scripts/apt-install.sh "${packages[@]}"

bash scripts/fetch-models.sh
bash scripts/fetch-samples.sh

# --no-build: the test command's `swift test -c release -Xswiftc -enable-testing` builds every product
# itself; a plain release build first would be compiled again under the other flags.
if [[ "${1:-}" == "--no-build" ]]; then exit 0; fi
echo "setup: building (release)"
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting)' || { echo "setup: build failed" >&2; exit 1; }
