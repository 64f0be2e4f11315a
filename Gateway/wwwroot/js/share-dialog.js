// "Share": makes a link for an album or a photo, shows it once with a copy button, and lists the target's links so
// each can be turned off. Only a hash of a link is kept by the server, so a link can be copied only when it is made.
// An album's link may also let guests add photos: then its upload page and its projector view are shown with it.
import { describeProblem, request } from './api.js';
import { copyField, h, toast } from './ui.js';

const EXPIRIES = [
  { value: '', label: 'Until I turn it off' },
  { value: String(24 * 3600), label: '1 day' },
  { value: String(7 * 24 * 3600), label: '1 week' },
  { value: String(30 * 24 * 3600), label: '30 days' },
];

/** target: { kind: 'album' | 'photo', id, title } */
export function openShareDialog(target) {
  const titleId = `share-${Math.random().toString(36).slice(2)}`;
  const expiry = h('select', { id: `${titleId}-expiry`, name: 'expiry' }, EXPIRIES.map((e) => h('option', { value: e.value, text: e.label })));
  const guests = target.kind === 'album' ? h('input', { type: 'checkbox', id: `${titleId}-guests`, name: 'allowUploads' }) : null;
  const create = h('button', { class: 'button primary', type: 'button', onclick: () => make() }, 'Make a link');
  const made = h('div', { class: 'share-made', hidden: true });
  const list = h('ul', { class: 'share-links', attrs: { 'aria-label': 'Links already made' } });
  const none = h('p', { class: 'hint', text: 'No links yet.' });
  const close = h('button', { class: 'button', type: 'button', onclick: () => dialog.close() }, 'Done');
  const dialog = h('dialog', { class: 'dialog share-dialog', attrs: { 'aria-labelledby': titleId } },
    h('h2', { id: titleId, text: `Share ${target.kind === 'album' ? 'album' : 'photo'} “${target.title || 'Untitled'}”` }),
    h('p', { class: 'lede', text: target.kind === 'album'
      ? 'Anyone with the link sees this album’s photos that are on the wall, in its order. Nobody can change anything through it, unless you let guests add photos.'
      : 'Anyone with the link sees this photo.' }),
    h('div', { class: 'field' }, h('label', { htmlFor: expiry.id, text: 'Link works' }), expiry),
    guests && h('div', { class: 'check-field' },
      guests,
      h('div', {},
        h('label', { htmlFor: guests.id, text: 'Let guests add photos' }),
        h('p', { class: 'hint', text: 'Anyone with the link can add photos to this album, from a page of its own or by scanning the code on its projector view. You can have them wait for your approval on the album’s page.' }))),
    h('div', { class: 'dialog-actions share-create' }, create),
    made,
    h('h3', { text: 'Links' }), none, list,
    h('div', { class: 'dialog-actions' }, close));

  async function make() {
    create.disabled = true;
    try {
      const seconds = Number(expiry.value);
      const body = seconds ? { expiresAt: new Date(Date.now() + seconds * 1000).toISOString() } : {};
      if (guests?.checked) body.allowUploads = true;
      const link = await request(`/api/${target.kind === 'album' ? 'albums' : 'photos'}/${target.id}/links`, { method: 'POST', body });
      showMade(new URL(link.url, location.origin).href, link.allowUploads === true);
      await refresh();
    } catch (error) {
      toast(describeProblem(error), 'error');
    } finally {
      create.disabled = false;
    }
  }

  /** The new link's addresses, each with its copy button: its page, and for an album its upload page and projector view. */
  function showMade(url, allowUploads) {
    const addresses = [{ label: 'The new link', copy: 'Copy the link', url }];
    if (allowUploads) addresses.push({ label: 'Guest upload page', copy: 'Copy the upload address', url: `${url}/upload` });
    if (target.kind === 'album') addresses.push({ label: 'Projector view', copy: 'Copy the projector address', url: `${url}/wall` });
    const rows = addresses.map((address, i) => {
      const input = h('input', { type: 'text', id: `${titleId}-address-${i}`, readOnly: true, value: address.url });
      const copy = h('button', { class: 'button primary', type: 'button', attrs: { 'aria-label': address.copy }, onclick: () => copyField(input, copy, 'link') }, 'Copy');
      return { input, row: h('div', { class: 'share-address' }, h('label', { htmlFor: input.id, text: address.label }), h('div', { class: 'share-url' }, input, copy)) };
    });
    made.replaceChildren(
      h('p', { class: 'hint', text: 'Copy it now: for safety it cannot be shown again (you can always make another).' }),
      ...rows.map((r) => r.row));
    made.hidden = false;
    rows[0].input.focus();
    rows[0].input.select();
  }

  async function refresh() {
    try {
      const page = await request('/api/me/links?limit=100');
      const mine = page.items.filter((link) => link.targetId === target.id);
      none.hidden = mine.length > 0;
      list.replaceChildren(...mine.map(row));
    } catch (error) {
      toast(describeProblem(error), 'error');
    }
  }

  function row(link) {
    const state = link.active
      ? (link.expiresAt ? `Works until ${new Date(link.expiresAt).toLocaleString()}` : 'Works until turned off')
      : (link.revokedAt ? 'Turned off' : 'Expired');
    const guestsAdd = link.allowUploads ? h('p', { class: 'hint share-link-guests', text: 'Guests can add photos' }) : null;
    const revoke = link.active
      ? h('button', { class: 'button small danger', type: 'button', attrs: { 'aria-label': `Turn off the link made ${new Date(link.createdAt).toLocaleString()}` }, onclick: () => turnOff(link.id) }, 'Turn off')
      : null;
    return h('li', { class: 'share-link', dataset: { linkId: link.id, active: String(link.active) } },
      h('div', {}, h('p', { class: 'share-link-made', text: `Made ${new Date(link.createdAt).toLocaleString()}` }), h('p', { class: 'hint', text: state }), guestsAdd),
      revoke);
  }

  async function turnOff(id) {
    try {
      await request(`/api/me/links/${id}`, { method: 'DELETE' });
      toast('Link turned off. Anyone opening it now sees that it does not work.');
      await refresh();
    } catch (error) {
      toast(describeProblem(error), 'error');
    }
  }

  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  refresh();
  return dialog;
}
