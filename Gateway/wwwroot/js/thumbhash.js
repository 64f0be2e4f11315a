// ThumbHash decoder, written against the layout BuildingBlocks/Imaging/ThumbHash.cs encodes:
// bytes 0-2: 24-bit header (L DC 6 bits, P DC 6, Q DC 6, L scale 5, has-alpha 1),
// bytes 3-4: 16-bit header (short-side L count 3 bits, P scale 6, Q scale 6, landscape 1),
// byte 5 (alpha only): A DC 4 bits, A scale 4 bits; then 4-bit AC coefficients, low nibble first,
// for L, P, Q (and A), each in a triangle of low frequencies, row by row.

/** Bytes of a base64 or base64url string. */
export function decodeBase64(text) {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = normal + '='.repeat((4 - (normal.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The parts of a hash: DC terms, scales and the AC coefficients of each channel. */
export function readThumbHash(hash) {
  if (hash.length < 5) throw new RangeError('A ThumbHash has at least 5 bytes.');
  const header24 = hash[0] | (hash[1] << 8) | (hash[2] << 16);
  const header16 = hash[3] | (hash[4] << 8);
  const hasAlpha = ((header24 >> 23) & 1) === 1;
  const landscape = ((header16 >> 15) & 1) === 1;
  const lMax = hasAlpha ? 5 : 7;
  const shortSide = header16 & 7;
  const lx = Math.max(3, landscape ? lMax : shortSide);
  const ly = Math.max(3, landscape ? shortSide : lMax);
  const alphaByte = hasAlpha && hash.length > 5 ? hash[5] : 0;

  let index = 0;
  const start = hasAlpha ? 6 : 5;
  const nibble = () => {
    const byte = hash[start + (index >> 1)] ?? 0;
    const value = (byte >> ((index & 1) << 2)) & 15;
    index++;
    return value;
  };
  const channel = (nx, ny, dc, scale) => {
    const terms = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy === 0 ? 1 : 0; cx * ny < nx * (ny - cy); cx++) {
        terms.push({ cx, cy, value: (nibble() / 7.5 - 1) * scale });
      }
    }
    return { dc, terms };
  };

  const l = channel(lx, ly, (header24 & 63) / 63, ((header24 >> 18) & 31) / 31);
  const p = channel(3, 3, ((header24 >> 6) & 63) / 31.5 - 1, ((header16 >> 3) & 63) / 63);
  const q = channel(3, 3, ((header24 >> 12) & 63) / 31.5 - 1, ((header16 >> 9) & 63) / 63);
  const a = hasAlpha ? channel(5, 5, (alphaByte & 15) / 15, (alphaByte >> 4) / 15) : null;
  // The encoder stores the short side's count; the ratio of the two counts approximates the aspect.
  const rawShort = Math.max(1, shortSide);
  const ratio = landscape ? lMax / rawShort : rawShort / lMax;
  return { l, p, q, a, ratio };
}

/** Evaluates one channel's inverse DCT at (x, y) of a w×h grid. */
function sample(channel, x, y, w, h) {
  let value = channel.dc;
  for (const { cx, cy, value: term } of channel.terms) {
    // The encoder divides every coefficient by w·h; the inverse of that DCT doubles each non-zero frequency axis.
    const weight = (cx > 0 ? 2 : 1) * (cy > 0 ? 2 : 1);
    value += term * weight * Math.cos((Math.PI / w) * cx * (x + 0.5)) * Math.cos((Math.PI / h) * cy * (y + 0.5));
  }
  return value;
}

const clamp = (v) => Math.min(1, Math.max(0, v));

/** RGBA pixels of the blurred preview, at most 32 pixels on its long side (aspect from width/height when known). */
export function thumbHashToRgba(hash, width, height) {
  const parts = readThumbHash(hash);
  const ratio = width > 0 && height > 0 ? width / height : parts.ratio;
  const w = Math.max(1, Math.round(ratio >= 1 ? 32 : 32 * ratio));
  const h = Math.max(1, Math.round(ratio >= 1 ? 32 / ratio : 32));
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = sample(parts.l, x, y, w, h);
      const p = sample(parts.p, x, y, w, h);
      const q = sample(parts.q, x, y, w, h);
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      const i = (y * w + x) * 4;
      rgba[i] = clamp(r) * 255;
      rgba[i + 1] = clamp(g) * 255;
      rgba[i + 2] = clamp(b) * 255;
      rgba[i + 3] = parts.a ? clamp(sample(parts.a, x, y, w, h)) * 255 : 255;
    }
  }
  return { width: w, height: h, rgba };
}

/** Whether the image a placeholder stands for has transparency (the hash's has-alpha bit). */
export function placeholderHasAlpha(base64) {
  if (!base64) return false;
  try {
    return readThumbHash(decodeBase64(base64)).a !== null;
  } catch {
    return false;
  }
}

const cache = new Map();

/** A PNG data URL of the placeholder, or null when there is none or it cannot be read. */
export function placeholderUrl(base64, width, height) {
  if (!base64) return null;
  const key = `${base64}|${width}x${height}`;
  if (cache.has(key)) return cache.get(key);
  let url = null;
  try {
    const image = thumbHashToRgba(decodeBase64(base64), width, height);
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
    url = canvas.toDataURL('image/png');
  } catch {
    url = null;
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, url);
  return url;
}
