#!/usr/bin/env bash
# Makes the benchmark corpus once (cached in .corpus/): camera-like JPEGs built with libvips'
# own generators — low-frequency Perlin colour fields (light and shade), a Worley cell texture
# (foliage, gravel), Gaussian sensor noise — saved at Q92 with 4:2:0 chroma, then given camera
# EXIF (make, model, exposure, GPS; every fifth one Orientation=6, as a phone held upright writes).
# Usage: make-corpus.sh DIR [COUNT_12MP] [COUNT_24MP]
set -euo pipefail
dir="$1"; n12="${2:-20}"; n24="${3:-4}"

# The EXIF comes from exiftool; every benchmark that makes the corpus (thumbnails, pipeline) gets it here.
if ! command -v exiftool >/dev/null 2>&1; then
  echo "[make-corpus] installing exiftool (libimage-exiftool-perl)" >&2
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get install -y -q --no-install-recommends libimage-exiftool-perl >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q --no-install-recommends libimage-exiftool-perl >/dev/null; }
fi
mkdir -p "$dir"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

make_one() { # name width height seed
  local name="$1" w="$2" h="$3" s="$4" out="$dir/$1.jpg"
  [ -s "$out" ] && return 0
  # Light and shade: one luminance field plus a top-to-bottom falloff, shared by all bands.
  vips perlin "$work/l.v" "$w" "$h" --cell-size $((w / 4)) --seed $((s * 8 + 1))
  vips xyz "$work/xy.v" "$w" "$h"
  vips extract_band "$work/xy.v" "$work/y.v" 1
  vips linear "$work/y.v" "$work/fall.v" -- "$(awk "BEGIN { print -60 / $h }")" 30
  vips linear "$work/l.v" "$work/l2.v" 150 0
  vips add "$work/l2.v" "$work/fall.v" "$work/light.v"
  # Colour: weaker, lower-frequency chroma fields per band.
  vips perlin "$work/r.v" "$w" "$h" --cell-size $((w / 3)) --seed $((s * 8 + 2))
  vips perlin "$work/g.v" "$w" "$h" --cell-size $((w / 3)) --seed $((s * 8 + 3))
  vips perlin "$work/b.v" "$w" "$h" --cell-size $((w / 3)) --seed $((s * 8 + 4))
  vips bandjoin "$work/r.v $work/g.v $work/b.v" "$work/rgb.v"
  vips linear "$work/rgb.v" "$work/chroma.v" 60 110
  vips add "$work/chroma.v" "$work/light.v" "$work/base.v"
  # Detail: mid-frequency Perlin plus a fine cell texture (foliage, gravel), in luminance.
  vips perlin "$work/d.v" "$w" "$h" --cell-size $((w / 60)) --seed $((s * 8 + 5))
  vips worley "$work/w.v" "$w" "$h" --cell-size 18 --seed $((s * 8 + 6))
  vips linear "$work/d.v" "$work/d2.v" 50 0
  vips linear "$work/w.v" "$work/w2.v" -- 1.0 -9
  vips add "$work/d2.v" "$work/w2.v" "$work/detail.v"
  vips add "$work/base.v" "$work/detail.v" "$work/lit.v"
  vips gaussnoise "$work/n.v" "$w" "$h" --sigma 5 --mean 0 --seed $((s * 8 + 7))
  vips add "$work/lit.v" "$work/n.v" "$work/noisy.v"
  vips cast "$work/noisy.v" "$work/u8.v" uchar
  vips copy "$work/u8.v" "$work/srgb.v" --interpretation srgb
  vips jpegsave "$work/srgb.v" "$work/photo.jpg" --Q 92 --optimize-coding --subsample-mode on
  local orientation=1
  [ $((s % 5)) -eq 0 ] && orientation=6
  exiftool -q -overwrite_original -n \
    -Make="Scrapbook Bench" -Model="Synthetic $((w * h / 1000000)) MP" \
    -DateTimeOriginal="2024:06:0$((s % 9 + 1)) 12:3$((s % 10)):00" -ExposureTime=0.004 -FNumber=2.8 -ISO=200 \
    -FocalLength=35 -Orientation=$orientation \
    -GPSLatitude=48.8583 -GPSLatitudeRef=N -GPSLongitude=2.2945 -GPSLongitudeRef=E \
    "$work/photo.jpg"
  mv "$work/photo.jpg" "$out"
  rm -f "$work"/*.v
}

for i in $(seq 1 "$n12"); do make_one "$(printf 'p12-%02d' "$i")" 4000 3000 "$i"; done
for i in $(seq 1 "$n24"); do make_one "$(printf 'p24-%02d' "$i")" 6000 4000 "$((100 + i))"; done
