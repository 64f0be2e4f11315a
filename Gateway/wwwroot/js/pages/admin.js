// Admin (/admin): key sign-in (kept in sessionStorage), uploads switch, moderation mode and queue (with the
// classifier's verdict), delete any photo, counts, webhooks.
import { ApiError, describeProblem, deletePhoto, listPhotos, request } from '../api.js';
import { openEvents } from '../events.js';
import { captionOf, photoFrame } from '../photos.js';
import { ask, h, showLiveState, timeAgo, toast } from '../ui.js';
import { webhooksPanel } from '../webhooks.js';

const KEY = 'scrapbook.adminKey';
const POLL_MS = 4000;
/** How a toast names each moderation mode. */
const MODERATION_NAMES = { off: 'off', pre: 'approve first', auto: 'automatic' };
const VERDICT_PILLS = { allow: 'pill-ready', hold: 'pill-pending', reject: 'pill-rejected' };
/** The classifier's labels shown on a queued photo, highest score first. */
const TOP_LABELS = 3;

export function start(main) {
  const key = sessionStorage.getItem(KEY);
  if (key) dashboard(main, key);
  else signIn(main);
}

const adminRequest = (key, path, options = {}) => request(path, { ...options, headers: { 'X-Admin-Key': key } });

function signIn(main, message) {
  showLiveState('off');
  const input = h('input', { id: 'admin-key', name: 'key', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' }, text: message ?? '' });
  const form = h('form', { class: 'signin card-panel' },
    h('h1', { text: 'Admin' }),
    h('p', { class: 'lede', text: 'Enter the admin key. The AppHost shows where to find it; it stays in this tab only.' }),
    h('div', { class: 'field' }, h('label', { htmlFor: 'admin-key', text: 'Admin key' }), input),
    error,
    h('button', { class: 'button primary', type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const candidate = input.value.trim();
    try {
      await adminRequest(candidate, '/api/admin/settings');
      sessionStorage.setItem(KEY, candidate);
      main.replaceChildren();
      dashboard(main, candidate);
    } catch (problem) {
      error.textContent = problem instanceof ApiError && (problem.status === 401 || problem.status === 403)
        ? 'That key is not valid.'
        : describeProblem(problem);
      input.focus();
    }
  });
  main.replaceChildren(h('section', { class: 'admin-signin' }, form));
  input.focus();
}

function dashboard(main, key) {
  const call = (path, options) => adminRequest(key, path, options);
  let settings = null;
  let wallCursor = null;
  const wallCards = new Map();

  const counts = h('dl', { class: 'stats', attrs: { 'aria-label': 'Counts' } });
  const uploadsSwitch = h('input', { type: 'checkbox', id: 'uploads-open', attrs: { role: 'switch' } });
  const moderationOff = h('input', { type: 'radio', name: 'moderation', id: 'moderation-off', value: 'off' });
  const moderationPre = h('input', { type: 'radio', name: 'moderation', id: 'moderation-pre', value: 'pre' });
  const moderationAuto = h('input', { type: 'radio', name: 'moderation', id: 'moderation-auto', value: 'auto' });
  const moderationRadios = [moderationOff, moderationPre, moderationAuto];
  const queue = h('ul', { class: 'cards queue', attrs: { 'aria-label': 'Waiting for approval' } });
  const queueEmpty = h('p', { class: 'muted', text: 'Nothing is waiting for approval.' });
  const wall = h('ul', { class: 'cards compact', attrs: { 'aria-label': 'Photos on the wall' } });
  const wallMore = h('button', { class: 'button', type: 'button', hidden: true, onclick: () => loadWall() }, 'Show older photos');

  main.replaceChildren(h('section', { class: 'admin', attrs: { 'aria-labelledby': 'admin-title' } },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'admin-title', text: 'Admin' }), h('p', { class: 'lede', text: 'Run the wall: who may upload, what needs approval, what comes down.' })),
      h('div', { class: 'actions' }, h('button', { class: 'button', type: 'button', onclick: signOut }, 'Sign out'))),
    counts,
    h('div', { class: 'panel settings', attrs: { role: 'group', 'aria-labelledby': 'settings-title' } },
      h('h2', { id: 'settings-title', text: 'Settings' }),
      h('div', { class: 'switch-row' },
        h('label', { class: 'switch', htmlFor: 'uploads-open' }, uploadsSwitch, h('span', { class: 'switch-track', attrs: { 'aria-hidden': 'true' } }), h('span', { class: 'switch-label', text: 'Uploads open' })),
        h('p', { class: 'hint', text: 'When closed, people see “Uploads are closed” and nothing new comes in.' })),
      h('fieldset', { class: 'radios' },
        h('legend', { text: 'Moderation' }),
        h('label', { class: 'radio', htmlFor: 'moderation-off' }, moderationOff, h('span', {}, h('strong', { text: 'Off' }), ' — new photos go straight to the wall')),
        h('label', { class: 'radio', htmlFor: 'moderation-pre' }, moderationPre, h('span', {}, h('strong', { text: 'Approve first' }), ' — new photos wait here until approved')),
        h('label', { class: 'radio', htmlFor: 'moderation-auto' }, moderationAuto, h('span', {}, h('strong', { text: 'Automatic (classifier)' }), ' — a classifier looks at each photo: what it allows goes to the wall, what it holds waits here, what it rejects stays off')))),
    h('div', { class: 'panel' }, h('h2', { text: 'Waiting for approval' }), queueEmpty, queue),
    h('div', { class: 'panel' }, h('h2', { text: 'On the wall' }), wall, h('div', { class: 'more' }, wallMore)),
    webhooksPanel({ call, failed })));

  uploadsSwitch.addEventListener('change', () => save({ uploadsOpen: uploadsSwitch.checked }));
  for (const radio of moderationRadios) radio.addEventListener('change', () => save({ moderation: radio.value }));

  function showSettings(value) {
    settings = value;
    uploadsSwitch.checked = value.uploadsOpen;
    for (const radio of moderationRadios) radio.checked = value.moderation === radio.value;
  }

  let saving = 0;
  let changes = 0;
  /**
   * Saves one setting over what the server holds now, not over this page's copy: that copy can be behind (a
   * settings.changed event that arrived late, another admin's change), and sending it back whole would undo a change
   * this page never showed, such as uploads reopened a moment ago.
   */
  async function save(change) {
    saving++;
    changes++;
    try {
      const current = await call('/api/admin/settings');
      showSettings(await call('/api/admin/settings', { method: 'PUT', body: { ...current, ...change } }));
      toast(`Saved: uploads ${settings.uploadsOpen ? 'open' : 'closed'}, moderation ${MODERATION_NAMES[settings.moderation] ?? settings.moderation}.`);
    } catch (error) {
      failed(error);
      if (settings) showSettings(settings);
    } finally {
      saving--;
    }
  }

  /** options: what describeProblem needs to say it, such as what a 404 is about. */
  function failed(error, options) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      sessionStorage.removeItem(KEY);
      events.close();
      signIn(main, 'The admin key is no longer valid. Please sign in again.');
      return;
    }
    toast(describeProblem(error, options), 'error');
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    events.close();
    signIn(main);
  }

  function stat(label, value, hint) {
    return h('div', { class: 'stat' }, h('dt', { text: label }), h('dd', { text: value ?? '—' }), hint ? h('p', { class: 'hint', text: hint }) : null);
  }

  async function refreshCounts() {
    const stats = await call('/api/admin/stats');
    counts.replaceChildren(
      stat('Photos', stats.photos),
      stat('On the wall', stats.public),
      stat('Awaiting approval', stats.pendingApproval),
      stat('Queued jobs', stats.queuedJobs, `${stats.processing} photo(s) processing`),
      stat('Poisoned jobs', stats.poisonedJobs, `${stats.failed} photo(s) failed`),
      stat('Uploads', settings?.uploadsOpen ? 'Open' : 'Closed'));
  }

  function queueCard(photo) {
    return h('li', { class: 'card', dataset: { photoId: photo.id, state: photo.status } },
      photoFrame(photo, { sizes: '320px' }),
      h('div', { class: 'card-body' },
        h('p', { class: `pill pill-${photo.status === 'ready' ? 'pending' : 'processing'}`, text: photo.status === 'ready' ? 'Awaiting approval' : 'Processing' }),
        captionOf(photo),
        h('p', { class: 'card-time', text: timeAgo(photo.createdAt) }),
        photo.classification ? verdictOf(photo.classification) : null,
        h('div', { class: 'card-actions' },
          h('button', { class: 'button small primary', type: 'button', onclick: () => moderate(photo, 'approve'), attrs: { 'aria-label': `Approve ${photo.caption ?? 'photo'}` } }, 'Approve'),
          h('button', { class: 'button small danger', type: 'button', onclick: () => moderate(photo, 'reject'), attrs: { 'aria-label': `Reject ${photo.caption ?? 'photo'}` } }, 'Reject'))));
  }

  /** What the classifier made of a photo: its verdict, its top labels as percentages, which classifier, and any note. */
  function verdictOf(classification) {
    const labels = [...(classification.labels ?? [])].sort((a, b) => b.score - a.score).slice(0, TOP_LABELS);
    const took = classification.elapsedMs != null ? ` in ${Math.round(classification.elapsedMs)} ms` : '';
    return h('div', { class: 'verdict', dataset: { verdict: classification.verdict } },
      h('p', { class: `pill ${VERDICT_PILLS[classification.verdict] ?? ''}`, text: `Classifier: ${classification.verdict}` }),
      labels.length > 0 && h('ul', { class: 'verdict-labels', attrs: { 'aria-label': 'Top labels' } },
        labels.map((l) => h('li', {}, h('span', { text: l.label }), h('span', { class: 'verdict-score', text: `${Math.round(l.score * 100)}%` })))),
      h('p', { class: 'card-detail', text: `By ${classification.classifier}${took}` }),
      classification.note && h('p', { class: 'verdict-note', text: classification.note }));
  }

  async function refreshQueue() {
    const page = await call('/api/admin/moderation?limit=50');
    const known = new Map([...queue.children].map((c) => [c.dataset.photoId, c]));
    const next = page.items.map((photo) => {
      const card = known.get(photo.id);
      return card && card.dataset.state === photo.status ? card : queueCard(photo);
    });
    queue.replaceChildren(...next);
    queueEmpty.hidden = next.length > 0;
  }

  async function moderate(photo, action) {
    try {
      await call(`/api/admin/moderation/${photo.id}/${action}`, { method: 'POST' });
      queue.querySelector(`[data-photo-id="${photo.id}"]`)?.remove();
      queueEmpty.hidden = queue.children.length > 0;
      toast(action === 'approve' ? 'Approved: it is on the wall.' : 'Rejected: it stays off the wall.');
    } catch (error) {
      failed(error);
    }
  }

  function wallCard(photo) {
    const card = h('li', { class: 'card', dataset: { photoId: photo.id } },
      photoFrame(photo, { sizes: '240px' }),
      h('div', { class: 'card-body' },
        captionOf(photo),
        h('div', { class: 'card-actions' },
          h('button', { class: 'button small danger', type: 'button', onclick: () => removePhoto(photo), attrs: { 'aria-label': `Delete ${photo.caption ?? 'photo'}` } }, 'Delete'))));
    wallCards.set(photo.id, card);
    return card;
  }

  function dropWallCard(id) {
    wallCards.get(id)?.remove();
    wallCards.delete(id);
  }

  async function loadWall() {
    try {
      const page = await listPhotos(wallCursor, 24);
      for (const photo of page.items) if (!wallCards.has(photo.id)) wall.append(wallCard(photo));
      wallCursor = page.nextCursor;
      wallMore.hidden = !wallCursor;
    } catch (error) {
      failed(error);
    }
  }

  async function removePhoto(photo) {
    const answer = await ask({
      title: 'Delete this photo?',
      content: [h('p', { text: 'It is removed for everyone, its owner included, and cannot be brought back.' })],
      actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'delete', label: 'Delete', kind: 'danger' }],
    });
    if (answer !== 'delete') return;
    try {
      await deletePhoto(photo.id, { 'X-Admin-Key': key });
      dropWallCard(photo.id);
      toast('Deleted.');
    } catch (error) {
      failed(error);
    }
  }

  async function refresh() {
    try {
      const before = changes;
      const current = await call('/api/admin/settings');
      // A poll that raced a change being saved must not flip the switch back.
      if (saving === 0 && before === changes) showSettings(current);
      await Promise.all([refreshCounts(), refreshQueue()]);
    } catch (error) {
      failed(error);
    }
  }

  const events = openEvents({
    onState: showLiveState,
    onReset: () => poll(),
    onEvent(type, data) {
      if (type === 'settings.changed') showSettings(data);
      else if (type === 'photo.ready' && data?.id && !wallCards.has(data.id)) wall.prepend(wallCard(data));
      else if (type === 'photo.deleted') dropWallCard(data.id);
      if (type.startsWith('photo.')) poll();
    },
  });

  let timer = 0;
  const poll = async () => {
    clearTimeout(timer);
    if (!main.querySelector('.admin')) return;
    if (document.visibilityState === 'visible') await refresh();
    timer = setTimeout(poll, POLL_MS);
  };
  poll();
  loadWall();
}
