// Pair (/pair, /pair?code=…): redeems a pairing code from another device. The server sets this browser's HttpOnly
// sb_owner cookie to a token of its own that opens the same scrapbook; nothing here ever holds the token.
import { ApiError, describeProblem, redeemPairingCode } from '../api.js';
import { field, h } from '../ui.js';

export function start(main) {
  const fromLink = new URLSearchParams(location.search).get('code') ?? '';
  // The code is single-use and short-lived, but it has no business staying in the history or a shared address.
  if (fromLink) history.replaceState(null, '', '/pair');

  const codeField = field('Pairing code', 'code', fromLink, { maxLength: 16, autocomplete: 'one-time-code', required: true, hint: 'Eight letters and digits, shown by “Pair a device” on your other device.' });
  const nameField = field('Name this device (optional)', 'name', '', { maxLength: 60, hint: 'How it shows in your list of devices; the browser’s name if left empty.' });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { class: 'button primary', type: 'submit', text: 'Pair this device' });
  const form = h('form', { class: 'pair-form', noValidate: true, onsubmit: (event) => { event.preventDefault(); redeem(); } },
    codeField, nameField, error, h('div', { class: 'actions' }, submit));
  const done = h('div', { class: 'notice', hidden: true, attrs: { role: 'status' } });
  main.append(h('section', { class: 'pair-page', attrs: { 'aria-labelledby': 'pair-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'pair-title', text: 'Pair this device' }),
        h('p', { class: 'lede', text: 'Open your scrapbook here too. This browser will show that scrapbook instead of the one it has now.' }))),
    form, done));
  const input = codeField.querySelector('input');
  input.classList.add('pair-code-input');
  input.focus();

  async function redeem() {
    const code = input.value.trim();
    if (!code) {
      error.textContent = 'Type the code shown on your other device.';
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    submit.disabled = true;
    error.textContent = '';
    try {
      const paired = await redeemPairingCode(code, nameField.querySelector('input').value.trim());
      form.hidden = true;
      done.replaceChildren(
        h('p', { text: `Paired as “${paired.device.name}”. This browser now opens your scrapbook.` }),
        h('p', {}, h('a', { class: 'button primary', href: '/mine', text: 'See my photos' })));
      done.hidden = false;
    } catch (failure) {
      input.setAttribute('aria-invalid', 'true');
      error.textContent = failure instanceof ApiError && failure.status === 429
        ? `Too many tries from here. Wait ${failure.retryAfter ?? 60} s, then try again.`
        : describeProblem(failure);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  }
}
