"""What one tool wrote, for run.sh: bytes per preset, and whether the job was the same one.

Every tool must leave IMAGES × 3 renditions named <image>-<preset>.webp in OUT_DIR, each lossy WebP
(a VP8 bitstream) with no EXIF, XMP or ICCP chunk, sized like the reference tool's rendition of the
same image (±1 px for rounding). The first tool tallied writes REFERENCE_JSON; later ones are
compared with it. Prints one line: large-bytes small-bytes thumb-bytes|problems (empty if none).
Usage: python3 outputs.py OUT_DIR IMAGES REFERENCE_JSON
"""
import json
import os
import struct
import sys

PRESETS = ("large", "small", "thumb")


def inspect(path):
    """(width, height, chunk ids) of a WebP file, read from its RIFF chunks."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP file")
    chunks, size, offset = [], None, 12
    while offset + 8 <= len(data):
        fourcc, length = data[offset:offset + 4].decode("latin-1"), struct.unpack("<I", data[offset + 4:offset + 8])[0]
        payload = data[offset + 8:offset + 8 + length]
        chunks.append(fourcc)
        if fourcc == "VP8X":
            size = (int.from_bytes(payload[4:7], "little") + 1, int.from_bytes(payload[7:10], "little") + 1)
        elif fourcc == "VP8 " and size is None:
            width, height = struct.unpack("<HH", payload[6:10])
            size = (width & 0x3FFF, height & 0x3FFF)
        elif fourcc == "VP8L" and size is None:
            bits = int.from_bytes(payload[1:5], "little")
            size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        offset += 8 + length + (length & 1)
    return size, chunks


def main():
    out, images, reference_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    totals = dict.fromkeys(PRESETS, 0)
    sizes, lossless, metadata, unreadable = {}, [], [], []
    for name in sorted(os.listdir(out)):
        stem, extension = os.path.splitext(name)
        preset = stem.rsplit("-", 1)[-1]
        if extension != ".webp" or preset not in totals:
            continue
        path = os.path.join(out, name)
        totals[preset] += os.path.getsize(path)
        try:
            size, chunks = inspect(path)
        except (ValueError, struct.error):
            unreadable.append(name)
            continue
        sizes[stem] = size
        if "VP8 " not in chunks:
            lossless.append(name)
        if {"EXIF", "XMP ", "ICCP"} & set(chunks):
            metadata.append(f"{name} ({'/'.join(c.strip() for c in chunks if c in ('EXIF', 'XMP ', 'ICCP'))})")

    if not os.path.exists(reference_path):
        with open(reference_path, "w") as f:
            json.dump(sizes, f)
    with open(reference_path) as f:
        reference = json.load(f)
    off = [f"{stem} {w}×{h} (reference {reference[stem][0]}×{reference[stem][1]})"
           for stem, (w, h) in sizes.items()
           if stem in reference and (abs(w - reference[stem][0]) > 1 or abs(h - reference[stem][1]) > 1)]

    problems = []
    if len(sizes) + len(unreadable) != images * len(PRESETS):
        problems.append(f"{len(sizes) + len(unreadable)} renditions for {images} images")
    for label, names in (("unreadable", unreadable), ("not lossy", lossless), ("with metadata", metadata), ("sized unlike the reference", off)):
        if names:
            problems.append(f"{len(names)} {label}: {', '.join(names[:3])}{', …' if len(names) > 3 else ''}")
    print(" ".join(str(totals[p]) for p in PRESETS) + "|" + "; ".join(problems))


if __name__ == "__main__":
    main()
