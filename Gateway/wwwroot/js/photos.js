// How a photo is drawn everywhere: its ThumbHash placeholder first, then the rendition fading in over it.
import { placeholderHasAlpha, placeholderUrl } from './thumbhash.js';
import { altFor, h } from './ui.js';

/** The srcset of the full-aspect renditions (the square thumb is a different crop, so it stays out). */
function srcsetOf(photo) {
  const parts = [];
  if (photo.urls?.small) parts.push(`${photo.urls.small} 640w`);
  if (photo.urls?.large) parts.push(`${photo.urls.large} 1600w`);
  return parts.join(', ');
}

/** The ThumbHash placeholder as the element's background (CSSOM, allowed by the CSP), when the photo has one. */
export function setPlaceholder(element, photo) {
  const url = placeholderUrl(photo.placeholder, photo.width, photo.height);
  if (url) element.style.backgroundImage = `url("${url}")`;
  // A placeholder's blur spreads an image's colours past its own edges, into areas the image leaves clear: once an
  // image with transparency has loaded, app.css takes the placeholder away so those areas show the page.
  element.toggleAttribute('data-transparent', placeholderHasAlpha(photo.placeholder));
}

/** The largest rendition there is, for the viewer and the projector. */
export const largeSrc = (photo) => photo.urls.large ?? photo.urls.small ?? '';

/** A frame holding the placeholder and the image, cropped to the frame. sizes: the layout width hint for srcset. */
export function photoFrame(photo, options) {
  return updateFrame(h('div', { class: 'frame' }), photo, options);
}

export function updateFrame(frame, photo, { sizes = '(max-width: 640px) 50vw, 25vw' } = {}) {
  setPlaceholder(frame, photo);
  const src = photo.urls?.small ?? photo.urls?.thumb;
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
    loading: 'lazy',
    width: photo.width || undefined,
    height: photo.height || undefined,
    dataset: { src },
  });
  const srcset = srcsetOf(photo);
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

/** A tile of a photo grid (the wall, a shared album): the photo as a button that calls open(), its caption over it. */
export function photoTile(photo, { sizes, open }) {
  const button = h('button', { class: 'tile-button', type: 'button', attrs: { 'aria-label': `Open: ${altFor(photo)}` }, onclick: open }, photoFrame(photo, { sizes }));
  return h('li', { class: 'tile', dataset: { photoId: photo.id } }, button, h('div', { class: 'tile-meta' }, captionOf(photo)));
}

/** Shows a changed photo (a new caption, a rendition now ready) in its tile. */
export function refreshTile(tile, photo, { sizes }) {
  updateFrame(tile.querySelector('.frame'), photo, { sizes });
  tile.querySelector('.tile-button').setAttribute('aria-label', `Open: ${altFor(photo)}`);
  tile.querySelector('.tile-meta').replaceChildren(captionOf(photo));
}

/** A tile that came in live: it slides in with a glow. */
export function arriveTile(tile) {
  tile.classList.add('arrive');
  tile.addEventListener('animationend', () => tile.classList.remove('arrive'), { once: true });
}

/** A tile whose photo left: it fades out, then goes (at once when animations are off). */
export function leaveTile(tile) {
  tile.classList.add('leave');
  const gone = () => tile.remove();
  tile.addEventListener('animationend', gone, { once: true });
  setTimeout(gone, 600);
}

/** Where a photo of the owner's stands, as its owner is told on /mine and in albums. */
export function stateOf(photo) {
  if (photo.status === 'failed') return { key: 'failed', label: 'Failed', detail: photo.failureReason ?? 'The image could not be processed.' };
  if (photo.status === 'processing') return { key: 'processing', label: 'Processing', detail: 'Making the thumbnails…' };
  if (photo.moderation === 'pending') return { key: 'pending', label: 'Awaiting approval', detail: 'A moderator will look at it soon.' };
  if (photo.moderation === 'rejected') return { key: 'rejected', label: 'Not approved', detail: 'A moderator kept it off the wall.' };
  return { key: 'ready', label: 'On the wall', detail: '' };
}
