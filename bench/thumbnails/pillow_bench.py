"""Pillow as a peer: the three presets per image, JOBS worker processes.

thumbnail() uses JPEG draft mode (DCT scaling): with reducing_gap=1.0 the draft is the smallest
1/2, 1/4 or 1/8 scale still at least the fitted size, the shrink-on-load the other tools get (the
default 2.0 keeps a 2× margin, which at these sizes means no DCT scaling at all). The large rendition
is made first and small and thumb are derived from it, as Scrapbook does. WebP at quality 80 and
method 4, the effort the other tools use (Pillow's own default is method 0, its fastest). Pillow
drops EXIF unless asked to keep it.
Usage: python3 pillow_bench.py CORPUS_DIR OUT_DIR JOBS
"""
import os
import sys
import time
from multiprocessing import Pool

from PIL import Image, ImageOps


def render(args):
    path, out = args
    base = os.path.join(out, os.path.splitext(os.path.basename(path))[0])
    with Image.open(path) as im:
        im.thumbnail((1600, 1600), Image.Resampling.LANCZOS, reducing_gap=1.0)
        large = ImageOps.exif_transpose(im).convert("RGB")
    large.save(base + "-large.webp", quality=80, method=4)
    small = large.copy()
    small.thumbnail((640, 640), Image.Resampling.LANCZOS)
    small.save(base + "-small.webp", quality=80, method=4)
    ImageOps.fit(large, (256, 256), Image.Resampling.LANCZOS).save(base + "-thumb.webp", quality=80, method=4)


def main():
    corpus, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".jpg"))
    started = time.monotonic()
    with Pool(jobs) as pool:
        pool.map(render, [(f, out) for f in files], chunksize=1)
    print(f"images {len(files)} wall-seconds {time.monotonic() - started:.3f}")


if __name__ == "__main__":
    main()
