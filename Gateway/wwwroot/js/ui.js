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

/**
 * Copies a read-only field's text, saying so on its button. Without clipboard permission (an insecure origin, say) the
 * text is selected in the field for copying by hand. what: the thing copied, for the toasts ("link", "secret").
 */
export async function copyField(input, button, what) {
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = 'Copied';
    toast(`${what[0].toUpperCase()}${what.slice(1)} copied.`);
  } catch {
    input.focus();
    input.select();
    toast(`Press Ctrl+C (or ⌘C) to copy the selected ${what}.`);
  }
}

/** Alt text from the caption (the image's own words), else who took it. */
export function altFor(photo) {
  if (photo.caption) return photo.caption;
  if (photo.author) return `Photo by ${photo.author}`;
  return 'Photo without a caption';
}

/** "1 photo", "3 photos". */
export const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

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
 * content: nodes; actions: [{ value, label, kind }]; form: resolve with { value, data: FormData } instead.
 * check(value, data, form): runs on submit while the dialog stays open. A sentence it returns is shown in the dialog,
 * which stays open for the person to fix the field; returning nothing closes it.
 */
export function ask({ title, content = [], actions, form, check, className = '' }) {
  return new Promise((resolve) => {
    const titleId = `dialog-${Math.random().toString(36).slice(2)}`;
    const buttons = actions.map((a) => h('button', { class: `button ${a.kind ?? ''}`, value: a.value, text: a.label, type: a.value === 'cancel' ? 'button' : 'submit' }));
    const error = check ? h('p', { class: 'form-error', attrs: { role: 'alert' } }) : null;
    // With a check, the dialog says what is wrong in its own words instead of the browser's bubble.
    const body = h('form', { method: 'dialog', class: 'dialog-form', noValidate: Boolean(check) },
      h('h2', { id: titleId, text: title }), content, error, h('div', { class: 'dialog-actions' }, buttons));
    const dialog = h('dialog', { class: `dialog ${className}`.trim(), attrs: { 'aria-labelledby': titleId } }, body);
    let result = null;
    buttons.forEach((button) => {
      if (button.type === 'button') button.addEventListener('click', () => dialog.close());
    });
    body.addEventListener('submit', async (event) => {
      const value = event.submitter?.value ?? 'ok';
      const data = new FormData(body);
      if (!check) {
        result = form ? { value, data } : value;
        return;
      }
      event.preventDefault();
      const submits = buttons.filter((button) => button.type === 'submit');
      submits.forEach((button) => { button.disabled = true; });
      let problem;
      try {
        problem = await check(value, data, body);
      } catch (failure) {
        problem = failure?.message || 'Something went wrong. Please try again.';
      } finally {
        submits.forEach((button) => { button.disabled = false; });
      }
      if (problem) {
        error.textContent = problem;
        (body.querySelector('[aria-invalid="true"]') ?? body.querySelector('input, textarea'))?.focus();
        return;
      }
      result = form ? { value, data } : value;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A labelled text field; multiline makes it a textarea. */
export function field(label, name, value = '', { maxLength, autocomplete, type = 'text', hint, multiline = false, required = false } = {}) {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const input = multiline
    ? h('textarea', { id, name, value: value ?? '', maxLength, rows: 4, required })
    : h('input', { id, name, type, value: value ?? '', maxLength, autocomplete: autocomplete ?? 'off', required });
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
 * A QR code of an upload page, drawn by the gateway (no outside service), with the address it encodes written under it:
 * a phone that scans it opens that page. By default the site's own upload page (/qr/upload.svg); a guest link's
 * projector view passes its link's code and address.
 */
export function uploadQrCode(className = 'qr', { src = '/qr/upload.svg', address = `${location.host}/upload`, alt = 'QR code of the upload page' } = {}) {
  const img = h('img', { alt, width: 160, height: 160, decoding: 'async' });
  const caption = h('figcaption', { class: `${className}-address`, text: address });
  const figure = h('figure', { class: className, hidden: true }, img, caption);
  fetch(src)
    .then(async (response) => {
      if (!response.ok) return;
      const shown = response.headers.get('X-Scrapbook-Address');
      if (shown) caption.textContent = shown.replace(/^https?:\/\//, '').replace(/\/$/, '');
      img.src = URL.createObjectURL(await response.blob());
      figure.hidden = false;
    })
    .catch(() => {});
  return figure;
}
