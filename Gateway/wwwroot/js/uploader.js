// The upload form of /upload and of a guest link's upload page (/s/{token}/upload): caption and name, a drop zone with
// pick and take buttons, and a list with a progress bar per file. Files go two at a time; each then follows its photo
// (processing → ready) from the owner's event stream, with a slow poll behind it for a stream that was down.
import { ApiError, describeProblem, ensureSession, formatBytes, getPhoto, isPublic, uploadFile } from './api.js';
import { h } from './ui.js';

const AUTHOR_KEY = 'scrapbook.author';
const PARALLEL = 2;
/** The default per-file limit (Imaging:MaxBytes); only used to explain a connection cut during a large upload. */
const LIKELY_LIMIT = 50 * 1024 * 1024;
const STATES = {
  queued: 'Waiting…',
  uploading: 'Uploading…',
  processing: 'Processing…',
  ready: 'Ready: it is on the wall',
  pending: 'Ready: waiting for a moderator to approve it',
  failed: 'Processing failed',
  error: '',
};
const PHOTO_EVENTS = ['photo.ready', 'photo.pending', 'photo.failed', 'photo.updated'];

/** Where an uploaded photo stands: [state, message?]; the message replaces the state's usual words. */
export function uploadStateOf(photo) {
  if (photo.status === 'failed') return ['failed', `Processing failed. ${photo.failureReason ?? 'The image could not be rendered.'}`];
  if (isPublic(photo)) return ['ready'];
  if (photo.status === 'ready' && photo.moderation === 'pending') return ['pending'];
  if (photo.status === 'ready' && photo.moderation === 'rejected') return ['failed', 'A moderator did not approve this photo.'];
  return ['processing'];
}

/**
 * destination(): resolves the upload's destination ({ albumId } or { token }, see uploadFile), awaited before each file
 * goes. stateOf(photo): where an uploaded photo stands (uploadStateOf unless told); texts: the words for states this page
 * says its own way, or for states of its own. notFound: what a 404 means here. onRefused(error): each refusal, for the
 * page's notices.
 * Returns the parts to place (form, notice, list), add(files), the caption field, show(photo) to say again where an
 * uploaded photo stands, onEvent(type, data) for the owner's event stream, and recheck() after that stream's reset.
 */
export function createUploader({ destination = async () => ({}), stateOf = uploadStateOf, texts = {}, notFound, onRefused = () => {} }) {
  const words = { ...STATES, ...texts };
  const items = new Map(); // local key → item
  const byPhoto = new Map(); // photo id → item
  const early = new Map(); // photo id → the last event that came before the upload's response
  let running = 0;
  let counter = 0;

  const picker = h('input', { type: 'file', id: 'file-picker', accept: 'image/*', multiple: true, class: 'visually-hidden' });
  const camera = h('input', { type: 'file', id: 'camera', accept: 'image/*', capture: 'environment', class: 'visually-hidden' });
  const caption = h('textarea', { id: 'caption', name: 'caption', maxLength: 500, rows: 2, placeholder: 'What is happening in this photo?' });
  const author = h('input', { id: 'author', name: 'author', maxLength: 100, autocomplete: 'name', value: localStorage.getItem(AUTHOR_KEY) ?? '', placeholder: 'Your name' });
  author.addEventListener('change', () => {
    const name = author.value.trim();
    if (name) localStorage.setItem(AUTHOR_KEY, name);
    else localStorage.removeItem(AUTHOR_KEY);
  });

  const drop = h('div', { class: 'dropzone', attrs: { 'aria-describedby': 'drop-help' } },
    h('span', { class: 'dropzone-art', attrs: { 'aria-hidden': 'true' } }),
    h('p', { class: 'dropzone-title' }, h('span', { class: 'on-fine-pointer', text: 'Drop photos here' }), h('span', { class: 'on-coarse-pointer', text: 'Pick or take photos' })),
    h('p', { id: 'drop-help', class: 'dropzone-help', text: 'JPEG, PNG, WebP, HEIC, AVIF, GIF, TIFF or BMP, up to 50 MB each.' }),
    h('div', { class: 'dropzone-actions' },
      h('label', { class: 'button primary', htmlFor: 'file-picker' }, h('span', { class: 'icon icon-plus', attrs: { 'aria-hidden': 'true' } }), 'Choose photos'),
      h('label', { class: 'button camera-button', htmlFor: 'camera' }, h('span', { class: 'icon icon-camera', attrs: { 'aria-hidden': 'true' } }), 'Take a photo')),
    picker, camera);
  // The labels are the buttons (keyboard included); the inputs behind them stay out of the tab order.
  picker.tabIndex = -1;
  camera.tabIndex = -1;
  for (const label of drop.querySelectorAll('label.button')) {
    label.tabIndex = 0;
    label.setAttribute('role', 'button');
    label.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); label.click(); }
    });
  }

  const list = h('ul', { class: 'uploads', attrs: { 'aria-label': 'Your uploads' } });
  const notice = h('p', { class: 'notice', hidden: true, attrs: { role: 'alert' } });
  const form = h('div', { class: 'upload-layout' },
    h('form', { class: 'upload-form', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { htmlFor: 'caption', text: 'Caption' }), caption, h('p', { class: 'hint', text: 'Used for the photos you add next. Optional.' })),
      h('div', { class: 'field' }, h('label', { htmlFor: 'author', text: 'Your name' }), author, h('p', { class: 'hint', text: 'Remembered on this device.' }))),
    drop);

  const add = (files) => {
    const meta = { caption: caption.value.trim(), author: author.value.trim() };
    if (meta.author) localStorage.setItem(AUTHOR_KEY, meta.author);
    for (const file of files) enqueue(file, meta);
    pump();
  };
  picker.addEventListener('change', () => { add([...picker.files]); picker.value = ''; });
  camera.addEventListener('change', () => { add([...camera.files]); camera.value = ''; });
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (event) => { event.preventDefault(); drop.classList.add('over'); });
  }
  drop.addEventListener('dragleave', (event) => { if (!drop.contains(event.relatedTarget)) drop.classList.remove('over'); });
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    add([...(event.dataTransfer?.files ?? [])]);
  });
  // A drop anywhere on the page should not navigate away to the file.
  addEventListener('dragover', (event) => event.preventDefault());
  addEventListener('drop', (event) => event.preventDefault());

  function enqueue(file, meta) {
    const key = `u${++counter}`;
    const preview = h('div', { class: 'upload-preview' });
    if (file.type.startsWith('image/')) {
      const url = URL.createObjectURL(file);
      const img = h('img', { alt: '', src: url });
      img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      img.addEventListener('error', () => { URL.revokeObjectURL(url); img.remove(); }, { once: true });
      preview.append(img);
    }
    const bar = h('progress', { max: 100, value: 0, attrs: { 'aria-label': `Upload progress of ${file.name}` } });
    const percent = h('span', { class: 'upload-percent', text: '0%' });
    const state = h('p', { class: 'upload-state' });
    const retry = h('button', { class: 'button small', type: 'button', hidden: true, onclick: () => { item.attempts++; setState(item, 'queued'); pump(); } }, 'Retry');
    const element = h('li', { class: 'upload-item', dataset: { state: 'queued' } },
      preview,
      h('div', { class: 'upload-body' },
        h('p', { class: 'upload-name' }, h('span', { text: file.name || 'Photo' }), h('span', { class: 'upload-size', text: formatBytes(file.size) })),
        h('div', { class: 'upload-progress' }, bar, percent),
        state),
      retry);
    const item = { key, file, meta, element, bar, percent, state, retry, photoId: null, attempts: 0 };
    items.set(key, item);
    list.prepend(element);
    setState(item, 'queued');
    // On a phone the list starts below the fold: bring the new file's progress into view.
    element.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }

  function setState(item, name, message, retryable = true) {
    item.element.dataset.state = name;
    item.state.textContent = message ?? words[name];
    item.retry.hidden = !retryable || (name !== 'error' && name !== 'failed');
    item.state.setAttribute('role', name === 'error' || name === 'failed' ? 'alert' : 'status');
    if (name === 'queued') setProgress(item, 0);
  }

  function setProgress(item, fraction) {
    const value = Math.round(fraction * 100);
    item.bar.value = value;
    item.percent.textContent = `${value}%`;
  }

  function pump() {
    for (const item of items.values()) {
      if (running >= PARALLEL) return;
      if (item.element.dataset.state === 'queued') send(item);
    }
  }

  async function send(item) {
    running++;
    setState(item, 'uploading');
    try {
      await ensureSession();
      const { photo } = await upload(item);
      setProgress(item, 1);
      item.photoId = photo.id;
      item.element.dataset.photoId = photo.id;
      byPhoto.set(photo.id, item);
      apply(item, early.get(photo.id) ?? photo);
      early.delete(photo.id);
      watch(item);
      notice.hidden = true;
    } catch (error) {
      // A server that refuses a large body early may cut the connection before the browser has sent it all, so the
      // page sees a network error, not the 413: say what most likely happened.
      const cutOff = error instanceof ApiError && error.status === 0 && item.file.size > LIKELY_LIMIT;
      // Sending the same bytes again cannot change a verdict on the file itself (too large, not an image, damaged), nor
      // bring back an album or a link that is gone, nor open a link that takes no photos (closed uploads do reopen).
      const permanent = cutOff || (error instanceof ApiError
        && ([404, 413, 415, 422].includes(error.status) || (error.status === 403 && error.problem?.type?.endsWith('/forbidden'))));
      setState(item, 'error', cutOff ? 'This file is probably too large to upload (the usual limit is 50 MB).' : describeProblem(error, { notFound }), !permanent);
      // Told to come back later (429, 503): the file goes again by itself, once, after the time the server asked for.
      if (error instanceof ApiError && (error.status === 429 || error.status === 503) && item.attempts < 1) {
        const seconds = Math.min(Math.max(error.retryAfter ?? 5, 1), 120);
        item.attempts++;
        setTimeout(() => { if (item.element.dataset.state === 'error') { setState(item, 'queued'); pump(); } }, seconds * 1000);
      }
      onRefused(error);
    } finally {
      running--;
      pump();
    }
  }

  async function upload(item) {
    const where = await destination();
    const sendOnce = () => uploadFile(item.file, { ...item.meta, ...where }, (fraction) => setProgress(item, fraction)).promise;
    try {
      return await sendOnce();
    } catch (error) {
      // The session cookie may have been cleared: get a new one and send once more.
      if (error instanceof ApiError && error.status === 401) {
        await ensureSession(true);
        return sendOnce();
      }
      throw error;
    }
  }

  function apply(item, photo) {
    const [state, message] = stateOf(photo);
    setState(item, state, message);
  }

  // Events are the fast path; a slow poll covers a connection that was down while the photo finished.
  function watch(item) {
    let tries = 0;
    const check = async () => {
      if (item.element.dataset.state !== 'processing' || ++tries > 40) return;
      try {
        apply(item, await getPhoto(item.photoId));
      } catch {
        // Checked again on the next round.
      }
      setTimeout(check, 5000);
    };
    setTimeout(check, 5000);
  }

  return {
    form,
    notice,
    list,
    caption,
    add,
    /** Says again where an uploaded photo stands (the page learnt something stateOf looks at). */
    show(photo) {
      const item = byPhoto.get(photo.id);
      if (item) apply(item, photo);
    },
    onEvent(type, data) {
      if (!data?.id || !PHOTO_EVENTS.includes(type)) return;
      const item = byPhoto.get(data.id);
      if (item) apply(item, data);
      else {
        early.set(data.id, data);
        if (early.size > 200) early.delete(early.keys().next().value);
      }
    },
    recheck() {
      for (const item of byPhoto.values()) {
        if (item.element.dataset.state === 'processing') getPhoto(item.photoId).then((p) => apply(item, p), () => {});
      }
    },
  };
}
