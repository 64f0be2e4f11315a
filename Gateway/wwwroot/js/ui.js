// Small DOM helpers shared by the pages. Styles are set through classes or the CSSOM (the CSP allows no inline
// style attributes, scripts or handlers).

/** h('button', { class: 'x', onclick: fn, attrs: { 'aria-label': '…' } }, child, 'text') */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key === 'attrs') for (const [name, v] of Object.entries(value)) { if (v != null && v !== false) element.setAttribute(name, v === true ? '' : v); }
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element[key] = value;
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A short message in the polite live region. */
export function toast(message, kind = 'info') {
  const region = $('#toasts');
  if (!region) return;
  const item = h('div', { class: `toast toast-${kind}`, text: message });
  region.append(item);
  setTimeout(() => item.classList.add('leaving'), 4200);
  setTimeout(() => item.remove(), 4800);
}

/** Alt text from the caption (the image's own words), else who took it. */
export function altFor(photo) {
  if (photo.caption) return photo.caption;
  if (photo.author) return `Photo by ${photo.author}`;
  return 'Photo without a caption';
}

export function timeAgo(iso) {
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

/**
 * A modal dialog (native <dialog>: focus trap, Escape). Resolves with the button value pressed, or null.
 * content: nodes; actions: [{ value, label, kind }].
 */
export function ask({ title, content = [], actions, form }) {
  return new Promise((resolve) => {
    const titleId = `dialog-${Math.random().toString(36).slice(2)}`;
    const buttons = actions.map((a) => h('button', { class: `button ${a.kind ?? ''}`, value: a.value, text: a.label, type: a.value === 'cancel' ? 'button' : 'submit' }));
    const body = h('form', { method: 'dialog', class: 'dialog-form' }, h('h2', { id: titleId, text: title }), content, h('div', { class: 'dialog-actions' }, buttons));
    const dialog = h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': titleId } }, body);
    let result = null;
    buttons.forEach((button) => {
      if (button.type === 'button') button.addEventListener('click', () => dialog.close());
    });
    body.addEventListener('submit', (event) => {
      result = event.submitter?.value ?? 'ok';
      if (form) result = { value: result, data: new FormData(body) };
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A labelled text field. */
export function field(label, name, value = '', { maxLength, autocomplete, type = 'text', hint } = {}) {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const input = h('input', { id, name, type, value: value ?? '', maxLength, autocomplete: autocomplete ?? 'off' });
  return h('div', { class: 'field' }, h('label', { htmlFor: id, text: label }), input, hint ? h('p', { class: 'hint', text: hint }) : null);
}

/** Marks the navigation link of the current page. */
export function markNavigation(path) {
  for (const link of document.querySelectorAll('.top nav a')) {
    if (new URL(link.href).pathname === path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** The live dot in the header. */
export function showLiveState(state) {
  const dot = $('#live');
  if (!dot) return;
  dot.hidden = state === 'off';
  dot.dataset.state = state;
  dot.title = state === 'live' ? 'Live: new photos appear by themselves' : state === 'offline' ? 'Offline: reconnecting…' : 'Connecting…';
  $('.live-label', dot).textContent = state === 'live' ? 'Live' : state === 'offline' ? 'Offline' : 'Connecting';
}

/**
 * A QR code of the upload page, drawn by the gateway (/qr/upload.svg, no outside service), with the address it encodes
 * written under it: a phone that scans it opens the app's upload page.
 */
export function uploadQrCode(className = 'qr') {
  const img = h('img', { alt: 'QR code of the upload page', width: 160, height: 160, decoding: 'async' });
  const address = h('figcaption', { class: `${className}-address`, text: `${location.host}/upload` });
  const figure = h('figure', { class: className, hidden: true }, img, address);
  fetch('/qr/upload.svg')
    .then(async (response) => {
      if (!response.ok) return;
      const shown = response.headers.get('X-Scrapbook-Address');
      if (shown) address.textContent = shown.replace(/^https?:\/\//, '').replace(/\/$/, '');
      img.src = URL.createObjectURL(await response.blob());
      figure.hidden = false;
    })
    .catch(() => {});
  return figure;
}
