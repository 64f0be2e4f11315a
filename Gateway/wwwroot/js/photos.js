// How a photo is drawn everywhere: its ThumbHash placeholder first, then the rendition fading in over it.
import { placeholderUrl } from './thumbhash.js';
import { altFor, h, setBackground } from './ui.js';

/** The srcset of the full-aspect renditions (the square thumb is a different crop, so it stays out). */
function srcsetOf(photo) {
  const parts = [];
  if (photo.urls?.small) parts.push(`${photo.urls.small} 640w`);
  if (photo.urls?.large) parts.push(`${photo.urls.large} 1600w`);
  return parts.join(', ');
}

/**
 * A frame holding the placeholder and the image. variant 'cover' crops to the frame; 'contain' shows it whole.
 * sizes: the layout width hint for srcset.
 */
export function photoFrame(photo, { variant = 'cover', ...options } = {}) {
  return updateFrame(h('div', { class: `frame frame-${variant}` }), photo, options);
}

export function updateFrame(frame, photo, { sizes = '(max-width: 640px) 50vw, 25vw', eager = false, square = false } = {}) {
  setBackground(frame, placeholderUrl(photo.placeholder, photo.width, photo.height));
  const src = square ? photo.urls?.thumb : (photo.urls?.small ?? photo.urls?.thumb);
  let img = frame.querySelector('img');
  if (!src) {
    img?.remove();
    frame.classList.add('pending');
    return frame;
  }
  frame.classList.remove('pending');
  if (img && img.dataset.src === src) {
    img.alt = altFor(photo);
    return frame;
  }
  img?.remove();
  img = h('img', {
    alt: altFor(photo),
    decoding: 'async',
    loading: eager ? 'eager' : 'lazy',
    width: photo.width || undefined,
    height: photo.height || undefined,
    dataset: { src },
  });
  const srcset = square ? '' : srcsetOf(photo);
  if (srcset) {
    img.sizes = sizes;
    img.srcset = srcset;
  }
  img.addEventListener('load', () => img.classList.add('loaded'), { once: true });
  img.addEventListener('error', () => img.classList.add('broken'), { once: true });
  img.src = src;
  frame.append(img);
  return frame;
}

/** "Caption — Author" as text nodes (never HTML). */
export function captionOf(photo) {
  return h('div', { class: 'caption' },
    photo.caption ? h('p', { class: 'caption-text', text: photo.caption }) : null,
    photo.author ? h('p', { class: 'caption-author', text: photo.author }) : null);
}
