// Mine (/mine): this browser's photos in every state; edit caption and author; delete with confirmation.
import { describeProblem, deletePhoto, ensureSession, listMyPhotos, updatePhoto } from '../api.js';
import { openEvents } from '../events.js';
import { captionOf, photoFrame, stateOf, updateFrame } from '../photos.js';
import { ask, field, h, showLiveState, timeAgo, toast } from '../ui.js';

export function start(main) {
  const cards = new Map();
  let cursor = null;
  const grid = h('ul', { class: 'cards', attrs: { 'aria-label': 'My photos' } });
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', { class: 'empty-title', text: 'You have not added any photos from this device yet.' }),
    h('p', {}, h('a', { href: '/upload', text: 'Add your first photo' }), '.'));
  const more = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => load() }, 'Show older photos');
  main.append(h('section', { class: 'mine', attrs: { 'aria-labelledby': 'mine-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'mine-title', text: 'My photos' }),
        h('p', { class: 'lede', text: 'Everything you added from this device, in every state. Only you can change these.' })),
      h('div', { class: 'actions' }, h('a', { class: 'button primary', href: '/upload' }, h('span', { class: 'icon icon-plus', attrs: { 'aria-hidden': 'true' } }), 'Add photos'))),
    empty, grid, h('div', { class: 'more' }, more)));

  function render(photo, { prepend = false } = {}) {
    const state = stateOf(photo);
    const existing = cards.get(photo.id);
    const sizes = '(max-width: 640px) 100vw, 320px';
    const frame = existing ? updateFrame(existing.querySelector('.frame'), photo, { sizes }) : photoFrame(photo, { sizes });
    const card = h('li', { class: 'card', dataset: { photoId: photo.id, state: state.key } },
      frame,
      h('div', { class: 'card-body' },
        h('p', { class: `pill pill-${state.key}`, text: state.label }),
        state.detail ? h('p', { class: 'card-detail', text: state.detail }) : null,
        captionOf(photo),
        h('p', { class: 'card-time', text: timeAgo(photo.createdAt) }),
        h('div', { class: 'card-actions' },
          h('button', { class: 'button small', type: 'button', onclick: () => edit(photo.id), attrs: { 'aria-label': `Edit ${photo.caption ?? 'photo'}` } }, 'Edit'),
          h('button', { class: 'button small danger', type: 'button', onclick: () => remove(photo.id), attrs: { 'aria-label': `Delete ${photo.caption ?? 'photo'}` } }, 'Delete'))));
    card.photo = photo;
    if (existing) existing.replaceWith(card);
    else if (prepend) grid.prepend(card);
    else grid.append(card);
    cards.set(photo.id, card);
    empty.hidden = true;
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await listMyPhotos(cursor);
      for (const photo of page.items) render(photo);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      empty.hidden = cards.size > 0;
    } catch (error) {
      toast(describeProblem(error), 'error');
    } finally {
      more.disabled = false;
    }
  }

  async function edit(id) {
    const photo = cards.get(id)?.photo;
    if (!photo) return;
    const answer = await ask({
      title: 'Edit photo',
      form: true,
      content: [
        field('Caption', 'caption', photo.caption, { maxLength: 500 }),
        field('Author', 'author', photo.author, { maxLength: 100, autocomplete: 'name' }),
      ],
      actions: [{ value: 'cancel', label: 'Cancel' }, { value: 'save', label: 'Save', kind: 'primary' }],
    });
    if (answer?.value !== 'save') return;
    try {
      render(await updatePhoto(id, { caption: answer.data.get('caption').trim(), author: answer.data.get('author').trim() }));
      toast('Saved.');
    } catch (error) {
      toast(describeProblem(error), 'error');
    }
  }

  async function remove(id) {
    const photo = cards.get(id)?.photo;
    if (!photo) return;
    const answer = await ask({
      title: 'Delete this photo?',
      content: [h('p', { text: photo.caption ? `“${photo.caption}” will be removed from the wall and cannot be brought back.` : 'It will be removed from the wall and cannot be brought back.' })],
      actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'delete', label: 'Delete', kind: 'danger' }],
    });
    if (answer !== 'delete') return;
    try {
      await deletePhoto(id);
      drop(id);
      toast('Deleted.');
    } catch (error) {
      toast(describeProblem(error), 'error');
    }
  }

  function drop(id) {
    cards.get(id)?.remove();
    cards.delete(id);
    empty.hidden = cards.size > 0;
  }

  ensureSession().then(() => {
    openEvents({
      onState: showLiveState,
      onReset: () => { cursor = null; grid.replaceChildren(); cards.clear(); load(); },
      onEvent(type, data) {
        if (type === 'photo.deleted') drop(data.id);
        else if (data?.id && cards.has(data.id) && type.startsWith('photo.')) render(data);
        // Owner-only events are about this owner's photos, so one added from another tab joins the list.
        else if (data?.id && (type === 'photo.pending' || type === 'photo.failed')) render(data, { prepend: true });
      },
    });
    return load();
  }, (error) => toast(describeProblem(error), 'error'));
}
