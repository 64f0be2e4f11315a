#!/usr/bin/env bash
# The classifier of moderation auto (eng/classifier: nsfwjs MobileNetV2 on TensorFlow.js' pure-JS CPU backend), as the
# worker uses it: camera-like photos from the bench corpus (bench/thumbnails/make-corpus.sh, 12 MP), each shrunk to the
# 512 px JPEG the worker sends, posted one at a time with Standard Webhooks signatures. Prints the model's load time,
# median and p95 ms per photo, photos/s, and the Node process's resident memory (now and peak).
#   bench/classifier/run.sh [COUNT=30]
# The corpus is made once and cached in bench/classifier/.corpus; the service is started on a free loopback port and
# stopped at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${1:-30}"
"$root/scripts/prereqs.sh"
"$root/bench/thumbnails/make-corpus.sh" "$here/.corpus/originals" "$count" 0 >/dev/null
mkdir -p "$here/.corpus/512"
for original in "$here"/.corpus/originals/*.jpg; do
  small="$here/.corpus/512/$(basename "$original")"
  [ -s "$small" ] || vips thumbnail "$original" "$small[Q=80,strip]" 512
done
exec timeout 1800 node "$here/bench.js" "$here/.corpus/512" "$count"
