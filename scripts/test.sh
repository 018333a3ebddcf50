#!/usr/bin/env bash
# The test command: set-up (packages, models, release build), then every test on a release build
# (the numeric code is 10-100x slower in debug builds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# The browser tests drive the web pages in headless Chromium; only the tests need it (and the
# compose check below needs docker-compose).
bash scripts/apt-install.sh chromium chromium-driver python3-selenium docker-compose
# The compose file must be valid (no Docker engine is needed for this check).
docker-compose -f deploy/docker-compose.yml config -q
swift test -c release -Xswiftc -enable-testing "$@"
