// The photo viewer: large rendition, caption and author; arrows, Escape and swipes.
import { largeSrc, setPlaceholder } from './photos.js';
import { altFor, h, timeAgo } from './ui.js';

/** Opens photos[id] in a modal; photos is the live array, so arrivals and deletions are seen while it is open. */
export function openViewer(photos, id) {
  let current = id;
  const opener = document.activeElement;
  const image = h('img', { class: 'viewer-image', decoding: 'async' });
  const stage = h('div', { class: 'viewer-stage' }, image);
  const caption = h('p', { class: 'viewer-caption', id: 'viewer-caption' });
  const author = h('p', { class: 'viewer-author' });
  const position = h('p', { class: 'viewer-position' });
  const previous = h('button', { class: 'viewer-nav viewer-prev', type: 'button', attrs: { 'aria-label': 'Newer photo' }, onclick: () => step(-1) }, h('span', { attrs: { 'aria-hidden': 'true' }, text: '‹' }));
  const next = h('button', { class: 'viewer-nav viewer-next', type: 'button', attrs: { 'aria-label': 'Older photo' }, onclick: () => step(1) }, h('span', { attrs: { 'aria-hidden': 'true' }, text: '›' }));
  const close = h('button', { class: 'viewer-close', type: 'button', attrs: { 'aria-label': 'Close' }, onclick: () => dialog.close() }, h('span', { attrs: { 'aria-hidden': 'true' }, text: '×' }));
  const dialog = h('dialog', { class: 'viewer', attrs: { 'aria-label': 'Photo viewer', 'aria-describedby': 'viewer-caption' } },
    stage, previous, next, close, h('div', { class: 'viewer-info' }, caption, author, position));

  function show(photoId) {
    const index = photos.findIndex((p) => p.id === photoId);
    if (index < 0) {
      dialog.close();
      return;
    }
    current = photoId;
    const photo = photos[index];
    dialog.dataset.photoId = photo.id;
    setPlaceholder(stage, photo);
    stage.style.aspectRatio = photo.width && photo.height ? `${photo.width} / ${photo.height}` : '';
    image.classList.remove('loaded');
    image.onload = () => image.classList.add('loaded');
    image.alt = altFor(photo);
    image.src = largeSrc(photo);
    caption.textContent = photo.caption ?? '';
    caption.hidden = !photo.caption;
    author.textContent = [photo.author ? `by ${photo.author}` : '', timeAgo(photo.createdAt)].filter(Boolean).join(' · ');
    position.textContent = `${index + 1} of ${photos.length}`;
    previous.disabled = index === 0;
    next.disabled = index === photos.length - 1;
  }

  function step(delta) {
    const index = photos.findIndex((p) => p.id === current);
    const target = photos[index + delta];
    if (target) show(target.id);
  }

  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowLeft') { step(-1); event.preventDefault(); }
    if (event.key === 'ArrowRight') { step(1); event.preventDefault(); }
  });

  // Swipe: a mostly horizontal drag of 50 px or more.
  let startX = null;
  let startY = null;
  stage.addEventListener('pointerdown', (event) => { startX = event.clientX; startY = event.clientY; });
  stage.addEventListener('pointerup', (event) => {
    if (startX == null) return;
    const dx = event.clientX - startX;
    const dy = event.clientY - startY;
    startX = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) * 1.5) step(dx < 0 ? 1 : -1);
  });
  // A click on the backdrop (outside the photo and controls) closes.
  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });

  document.body.append(dialog);
  show(id);
  dialog.showModal();
  close.focus();
  return dialog;
}
