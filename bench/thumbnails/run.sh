#!/usr/bin/env bash
# Thumbnail benchmark (issue 3): renders the three default presets (thumb 256² smart crop, small
# 640 fit, large 1600 fit, WebP q80, metadata stripped) for a corpus of ~12 MP and ~24 MP camera-like
# JPEGs with Scrapbook's engine in-process and with peers doing the same job on the same input:
# vipsthumbnail, ImageMagick (convert -thumbnail), Pillow, sharp, SkiaSharp (SkiaPeer.cs, in the
# same runner); plus libjpeg-turbo's tjbench as the decode-only ceiling. Beside the speed it tallies
# what each tool wrote (bytes per preset, and outputs.py's checks: sizes, lossy WebP, no metadata),
# and probes which input formats SkiaSharp decodes that Scrapbook accepts. Prints the tables and
# writes them, with the exact command, into docs/benchmarks.md (its bench/thumbnails section).
#
# Usage: bench/thumbnails/run.sh   (JOBS=<n> N12=<count> N24=<count> REPEAT=<runs> change the defaults)
# Installs its own bench-only tools (Debian packages, sharp from its lockfile); the corpus is made
# once and cached in bench/thumbnails/.corpus (git-ignored). Bounded: a few minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jobs="${JOBS:-$(nproc)}"
n12="${N12:-20}"
n24="${N24:-4}"
corpus="$here/.corpus"
out="$here/.out"
log() { printf '[bench] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- bench-only tools -------------------------------------------------------------------------
apt_packages=(libvips-tools imagemagick python3-pil libjpeg-turbo-progs libimage-exiftool-perl time webp)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -d "$here/sharp/node_modules/sharp" ]; then
  log "installing sharp (npm ci)"
  (cd "$here/sharp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
log "building the Scrapbook runner, with the SkiaSharp peer (Release)"
dotnet build "$here/Scrapbook.Bench.Thumbnails.csproj" -c Release --nologo -v quiet >/dev/null
runner="$here/bin/Release/net10.0/Scrapbook.Bench.Thumbnails.dll"

# --- corpus -----------------------------------------------------------------------------------
log "corpus: $n12 × 12 MP + $n24 × 24 MP in $corpus (made once)"
"$here/make-corpus.sh" "$corpus" "$n12" "$n24"
mapfile -t files < <(find "$corpus" -maxdepth 1 -name 'p*.jpg' | sort)
count=${#files[@]}
cat "${files[@]}" > /dev/null # warm the page cache so the first tool is not charged for disk reads

# Each tool at the same settings: WebP lossy q80 at libwebp method (effort) 4 where the tool lets it
# be set, metadata stripped, shrink-on-load allowed (each tool's own rule for how far). The report's
# notes say where a tool cannot match.

# --- measurements -----------------------------------------------------------------------------
results="$(mktemp)" outputs="$(mktemp)" reference="$(mktemp -u)" stages="$(mktemp)" probe="$(mktemp -d)"
trap 'rm -rf "$results" "$outputs" "$reference" "$stages" "$probe"' EXIT
# measure NAME IMAGES CMD...: wall, user+sys CPU and max RSS of the command and all its children,
# REPEAT times (default 2); the report keeps each tool's fastest run (the machine may be shared).
# Then what the last run wrote is tallied (outputs.py), the first tool's sizes being the reference.
measure() {
  local name="$1" images="$2"; shift 2
  local timing; timing="$(mktemp)"
  for run in $(seq 1 "${REPEAT:-2}"); do
    rm -rf "$out"; mkdir -p "$out"
    log "running: $name (run $run)"
    /usr/bin/time -f '%e %U %S %M' -o "$timing" "$@" > /dev/null
    printf '%s|%s|%s\n' "$name" "$images" "$(cat "$timing")" >> "$results"
  done
  rm -f "$timing"
  printf '%s|%s\n' "$name" "$(/usr/bin/python3 "$here/outputs.py" "$out" "$images" "$reference")" >> "$outputs"
}

export VIPS_CONCURRENCY=1 MAGICK_THREAD_LIMIT=1 UV_THREADPOOL_SIZE="$jobs"

measure "Scrapbook (in-process, $jobs jobs)" "$count" dotnet "$runner" "$corpus" "$out" "$jobs"

measure "vipsthumbnail ($jobs processes)" "$count" bash -c '
  corpus="$1" out="$2" jobs="$3"
  ls "$corpus"/p*.jpg | xargs -P "$jobs" -n 4 vipsthumbnail --size 1600x1600 -o "$out/%s-large.webp[Q=80,strip]"
  ls "$corpus"/p*.jpg | xargs -P "$jobs" -n 4 vipsthumbnail --size 640x640 -o "$out/%s-small.webp[Q=80,strip]"
  ls "$corpus"/p*.jpg | xargs -P "$jobs" -n 4 vipsthumbnail --size 256x256 --smartcrop attention -o "$out/%s-thumb.webp[Q=80,strip]"
  # libvips 8.14.1 webpsave writes the camera EXIF (GPS too) despite strip; Scrapbook removes it
  # after encoding, and so must this row.
  ls "$out"/*.webp | xargs -P "$jobs" -I{} webpmux -strip exif {} -o {} 2> /dev/null
' _ "$corpus" "$out" "$jobs"

# jpeg:size asks libjpeg for the smallest DCT scale (M/8) that keeps both axes at least this big:
# the large preset's fit of a landscape 4:3 or 3:2 frame (as every corpus image is stored).
measure "ImageMagick convert -thumbnail ($jobs processes)" "$count" bash -c '
  corpus="$1" out="$2" jobs="$3"
  ls "$corpus"/p*.jpg | xargs -P "$jobs" -I{} bash -c '\''
    f="$1"; o="$2/$(basename "$f" .jpg)"
    convert -define jpeg:size=1600x1200 "$f" -auto-orient -strip -quality 80 -define webp:method=4 \
      \( +clone -thumbnail 1600x1600 -write "$o-large.webp" +delete \) \
      \( +clone -thumbnail 640x640 -write "$o-small.webp" +delete \) \
      -thumbnail "256x256^" -gravity center -extent 256x256 "$o-thumb.webp"
  '\'' _ {} "$out"
' _ "$corpus" "$out" "$jobs"

measure "Pillow $(/usr/bin/python3 -c 'import PIL; print(PIL.__version__)') ($jobs processes)" "$count" /usr/bin/python3 "$here/pillow_bench.py" "$corpus" "$out" "$jobs"

measure "sharp $(node -p "require('$here/sharp/node_modules/sharp/package.json').version") ($jobs in flight)" "$count" node "$here/sharp/bench.js" "$corpus" "$out" "$jobs"

skia_version="$(sed -n 's/.*PackageVersion Include="SkiaSharp" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")"
measure "SkiaSharp $skia_version (in-process, $jobs jobs)" "$count" dotnet "$runner" --engine skia "$corpus" "$out" "$jobs"

mapfile -t large < <(find "$corpus" -maxdepth 1 -name 'p24-*.jpg' | sort)
if [ ${#large[@]} -gt 0 ]; then
  rm -rf "$corpus/.p24" && mkdir -p "$corpus/.p24" && ln -s "${large[@]}" "$corpus/.p24/"
  measure "Scrapbook, 24 MP only ($jobs jobs)" "${#large[@]}" dotnet "$runner" "$corpus/.p24" "$out" "$jobs"
  rm -rf "$corpus/.p24"
fi

# Decode ceiling: tjbench is single-threaded, so images/s for $jobs cores is $jobs × its frame rate.
for scale in 1/1 1/2; do
  log "running: tjbench -scale $scale"
  total=0
  for f in "${files[@]}"; do
    fps="$(tjbench "$f" -scale "$scale" -benchtime 0.3 -warmup 0 -nowrite 2>/dev/null | awk '/Decompress/ && /Frame rate/ { print $(NF-1); exit }')"
    total="$(awk -v t="$total" -v f="$fps" 'BEGIN { print t + 1 / f }')"
  done
  printf 'tjbench decode only, scale %s (ceiling)|%s|tj %s %s\n' "$scale" "$count" "$total" "$jobs" >> "$results"
done

# Where Scrapbook's CPU goes: the render's steps timed one at a time (StageProfile.cs).
log "running: Scrapbook stage profile (8 × 12 MP, one job)"
dotnet "$runner" --stages "$corpus" 8 > "$stages"

# Which inputs Scrapbook accepts that SkiaSharp cannot decode: one small picture in every format
# the engine takes, made here with libvips (HEIC and AVIF through libheif) and ImageMagick (BMP).
log "running: input format probe"
vipsthumbnail "${files[0]}" --size 640 -o "$probe/probe.png"
cp "${files[0]}" "$probe/probe.jpg"
for spec in probe.webp probe.gif probe.tif 'probe.heic[compression=hevc]' 'probe.avif[compression=av1]'; do
  vips copy "$probe/probe.png" "$probe/$spec" 2> /dev/null || log "could not make $spec here"
done
convert "$probe/probe.png" "$probe/probe.bmp"
inputs=()
for f in probe.jpg probe.png probe.webp probe.gif probe.bmp probe.tif probe.heic probe.avif; do
  [ -s "$probe/$f" ] && inputs+=("$probe/$f")
done
if ! dotnet "$runner" --probe "${inputs[@]}" > "$probe/table.md" 2> "$probe/stderr"; then
  cat "$probe/stderr" >&2
  exit 1
fi

/usr/bin/python3 - "$results" "$here/../../docs/benchmarks.md" "$jobs" "$n12" "$n24" "$stages" "$outputs" "$probe/table.md" <<'PY'
import os, platform, subprocess, sys
results, target, jobs, n12, n24, stages = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], open(sys.argv[6]).read().strip()
written = {}  # name -> ((large, small, thumb) bytes, problems)
for line in open(sys.argv[7]):
    name, sizes, problems = line.rstrip("\n").split("|")
    written[name] = (tuple(int(b) for b in sizes.split()), problems)
formats = open(sys.argv[8]).read().strip()
rows, seen = [], {}
for line in open(results):
    name, images, timing = line.rstrip("\n").split("|")
    images = int(images)
    parts = timing.split()
    if parts[0] == "tj":  # summed single-thread decode seconds over the corpus
        seconds = float(parts[1])
        rows.append((name, images / seconds * jobs, seconds * 1000 / images, None, images))
    else:
        wall, user, system, rss_kb = float(parts[0]), float(parts[1]), float(parts[2]), int(parts[3])
        row = (name, images / wall, (user + system) * 1000 / images, rss_kb / 1024, images)
        if name in seen:  # a repeat: keep the faster run
            i = seen[name]
            rows[i] = max(rows[i], row, key=lambda r: r[1])
        else:
            seen[name] = len(rows)
            rows.append(row)
base = rows[0]
def fmt(v, spec): return "—" if v is None else format(v, spec)
def kb_per_image(name, images): return [b / 1024 / images for b in written[name][0]] if name in written else None
base_kb = sum(kb_per_image(base[0], base[4]))
lines = [
    "| Tool | images/s | CPU-ms / image | peak RSS (MB) | KB written / image: large + small + thumb | images/s vs Scrapbook | CPU vs Scrapbook | bytes vs Scrapbook |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for name, ips, cpu, rss, images in rows:
    kb = kb_per_image(name, images)
    out_kb = "—" if kb is None else f"{kb[0]:.1f} + {kb[1]:.1f} + {kb[2]:.1f} = {sum(kb):.1f}"
    # Bytes compare like for like only: the 24 MP-only row has other images.
    out_ratio = f"{sum(kb) / base_kb:.2f}×" if kb is not None and images == base[4] else "—"
    lines.append(f"| {name} | {ips:.2f} | {cpu:.0f} | {fmt(rss, '.0f')} | {out_kb} | {ips / base[1]:.2f}× | {cpu / base[2]:.2f}× | {out_ratio} |")
table = "\n".join(lines)
problems = [f"**{name}**: {issues}" for name, (_, issues) in written.items() if issues]
checks = ("every tool wrote three lossy WebP renditions per image, sized like Scrapbook's (±1 px), "
          "with no EXIF, XMP or ICC chunk." if not problems else "; ".join(problems) + ".")
print(table)
print(f"\nOutput checks (outputs.py): {checks}\n\nDecodes? (one file per format Scrapbook accepts)\n\n{formats}")
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
def version(cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except Exception: return "unknown"
command = " ".join([f"{k}={os.environ[k]}" for k in ("JOBS", "N12", "N24", "REPEAT") if k in os.environ] + ["bench/thumbnails/run.sh"])
section = (f"""### Thumbnails: Scrapbook's engine against peers

Command: `{command}` (JOBS={jobs}, N12={n12}, N24={n24}, REPEAT={os.environ.get("REPEAT", "2")}: each tool's fastest run is shown)

Corpus: {n12} × 12 MP (4000×3000) and {n24} × 24 MP (6000×4000) camera-like JPEGs (Q92, 4:2:0, camera
EXIF with GPS; every fifth one Orientation=6), generated by `bench/thumbnails/make-corpus.sh` from
libvips' Perlin/Worley/Gaussian-noise generators. Job: the three default presets — `large` 1600 fit,
`small` 640 fit, `thumb` 256×256 smart crop — as WebP q80 without metadata, {jobs} jobs at a time.

Machine: {os.cpu_count()} cores ({cpu_model}), shared with other work while measuring (load average
at the end: {os.getloadavg()[0]:.2f}); {version(['vips', '--version'])}; {version(['convert', '-version'])};
sharp bundles its own libvips (8.17) and mozjpeg/libwebp builds.

{table}

Output checks (`bench/thumbnails/outputs.py` over each tool's last run): {checks}

How to read it: CPU is user+system time of the tool and every process it started. Peak RSS is the
largest single process: for Scrapbook, sharp and SkiaSharp that one process ran all {jobs} jobs; for
vipsthumbnail, ImageMagick and Pillow each job is its own process, so their machine-wide
footprint is up to {jobs}× the figure. KB written is the renditions' total size per image, so that
a tool cannot lead by encoding less. vipsthumbnail has no multi-output mode, so it decodes every
image once per preset (three passes); Scrapbook, ImageMagick, Pillow and SkiaSharp decode once per
image, sharp once per preset with shrink-on-load. Scrapbook decodes at the DCT scale the large preset
needs, resizes into memory, encodes that as `large`, derives `small` from it in memory, and the
smart-cropped `thumb` and the ThumbHash placeholder from `small`. tjbench rows decode only (no
resize, no encode), single-threaded, scaled to {jobs} cores: 1/2 is the DCT-scaled decode Scrapbook's shrink-on-load asks
libjpeg for at these sizes (12 MP and 24 MP both shrink ≥2× to 1600), 1/1 a full-size decode.

Settings, tool by tool. All: WebP lossy, quality 80, no metadata; thumb is 256×256 cover-and-crop.

| Tool | WebP effort (libwebp method) | metadata | shrink-on-load (JPEG DCT scale: 12 MP / 24 MP) | resize | thumb crop |
|---|---|---|---|---|---|
| Scrapbook | 4 (libvips default) | `strip`, then EXIF chunk removed after encoding (libvips 8.14.1 writes it anyway) | 1/2 / 1/2 (libvips offers 1/2, 1/4, 1/8) | lanczos3 | attention |
| vipsthumbnail | 4 (libvips default) | `strip`, then `webpmux -strip exif` (same libvips bug; counted in its time) | per preset, keeping a 2× margin for the resize (libvips' fixed rule): large 1/1 / 1/1, small 1/2 / 1/4, thumb 1/4 / 1/4 | lanczos3 | attention |
| ImageMagick | 4 (`-define webp:method=4`, also its default) | `-strip` | `-define jpeg:size=1600x1200`: 4/8 / 3/8 | `-thumbnail` (IM's default filter) | centre |
| Pillow | 4 (`method=4`; Pillow's own default is 0) | none written unless asked | `thumbnail(reducing_gap=1.0)` draft: 1/2 / 1/2 | LANCZOS | centre (`ImageOps.fit`) |
| sharp | 4 (`effort: 4`, its default) | stripped by default | per preset, no margin (fastShrinkOnLoad): large 1/2 / 1/2, small 1/4 / 1/8, thumb 1/8 / 1/8 | lanczos3 | attention |
| SkiaSharp | 3, fixed inside Skia's encoder (SkiaSharp has no setting; its output is byte-identical to `cwebp -q 80 -m 3`) | none: renditions are drawn untagged, so no ICC either | `SKCodec.GetScaledDimensions`: 4/8 / 3/8 | `SKCubicResampler.Mitchell` (B = C = 1/3, a 4×4 kernel that does not widen on shrink: small from large, thumb from small) | centre (Skia has no saliency crop) |

#### Input formats: what SkiaSharp decodes of what Scrapbook accepts

One small file per format, made by run.sh (libvips, libheif, ImageMagick), rendered by Scrapbook's
engine and decoded by SkiaSharp's `SKCodec` (`Scrapbook.Bench.Thumbnails.dll --probe FILE...`):

{formats}

#### Where Scrapbook's CPU goes

`dotnet bench/thumbnails/bin/Release/net10.0/Scrapbook.Bench.Thumbnails.dll --stages bench/thumbnails/.corpus 8`
replays the render's steps one at a time over 8 of the 12 MP images (process CPU time, one job;
see `StageProfile.cs`); the last row is the engine's own render of the same images.

{stages}
""")
# Replace this benchmark's section of docs/benchmarks.md (between its markers), or append one.
begin, end = "<!-- bench/thumbnails:begin -->", "<!-- bench/thumbnails:end -->"
doc = open(target).read() if os.path.exists(target) else "# Benchmarks\n"
block = f"{begin}\n{section}{end}"
if begin in doc and end in doc:
    doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
else:
    doc = doc.rstrip("\n") + "\n\n" + block + "\n"
with open(target, "w") as f:
    f.write(doc)
PY
log "wrote the thumbnails section of docs/benchmarks.md"
