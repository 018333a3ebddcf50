#!/usr/bin/env bash
# The test command: set-up (packages, models, release build), then every test on a release build
# (the numeric code is 10-100x slower in debug builds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --no-build
# Only the tests need these: headless Chromium for the browser tests, GStreamer's RTSP server
# (through python3-gi) for the live-source tests, docker-compose for the compose check below.
bash scripts/apt-install.sh chromium chromium-driver python3-selenium docker-compose \
    python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
# The compose file must be valid (no Docker engine is needed for this check).
docker-compose -f deploy/docker-compose.yml config -q
bash scripts/lint-dockerfile.sh
# The module layout rule (docs/architecture.md) and the committed swift-format configuration.
python3 scripts/check-layout.py
swift format lint --strict --recursive --parallel Sources Tests Package.swift
swift test -c release -Xswiftc -enable-testing "$@"
