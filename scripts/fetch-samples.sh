#!/usr/bin/env bash
# Fetches the sample input of `moodwire up --samples`: Megamind.avi (a 720x528 clip, 270 frames)
# and messi5.jpg from Debian's opencv-doc package. Only these two files are extracted from the
# package (it is 96 MB of documentation, and container images often skip /usr/share/doc).
#
# Where: $MOODWIRE_SAMPLES if set, else ${XDG_DATA_HOME:-~/.local/share}/moodwire/samples.
set -euo pipefail

samples="${MOODWIRE_SAMPLES:-${XDG_DATA_HOME:-$HOME/.local/share}/moodwire/samples}"
files=(Megamind.avi messi5.jpg)
if [ -f "$samples/Megamind.avi" ] && [ -f "$samples/messi5.jpg" ]; then
    echo "samples: up to date in $samples"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "samples: downloading Debian's opencv-doc"
(cd "$work" && { apt-get download -qq opencv-doc 2>/dev/null || { apt-get update -qq && apt-get download -qq opencv-doc; }; })
mkdir -p "$samples"
data=./usr/share/doc/opencv-doc/examples/data
dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -x -C "$work" "${files[@]/#/$data/}"
for file in "${files[@]}"; do mv "$work/$data/$file" "$samples/$file"; done
echo "samples: ready in $samples"
