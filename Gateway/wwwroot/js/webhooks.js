// The admin page's Webhooks panel: register endpoints for event types, show a signing secret the one time the server
// hands it out, send a test message, rotate the secret, turn an endpoint on or off, delete it, and read each
// endpoint's delivery log. Every string from the server goes into the page as text, never as markup.
import { describeProblem } from './api.js';
import { ask, copyField, h, timeAgo, toast } from './ui.js';

/** What each event type means, in the order the form lists them; a family's wildcard comes first. */
const FAMILIES = [
  {
    name: 'photo', title: 'Photo', types: [
      ['photo.*', 'every photo event, present and future'],
      ['photo.ready', 'a photo reached the wall'],
      ['photo.updated', 'a caption or author changed'],
      ['photo.failed', 'a photo could not be processed'],
      ['photo.deleted', 'a photo left the wall'],
      ['photo.approved', 'a moderator approved a held photo'],
    ],
  },
  {
    name: 'album', title: 'Album', types: [
      ['album.*', 'every album event, present and future'],
      ['album.updated', 'an album was changed'],
      ['album.deleted', 'an album was deleted'],
      ['album.photo-added', 'a photo was added to an album'],
      ['album.photo-removed', 'a photo was taken out of an album'],
      ['album.photo-approved', 'a guest’s photo was approved'],
      ['album.reordered', 'an album’s order changed'],
    ],
  },
];

const LOG_PAGE = 20;
/** After "Send test event": look for its attempt every second, for at most this long. */
const TEST_POLL_MS = 1000;
const TEST_POLL_LIMIT_MS = 30_000;
const STATE_PILL = { delivered: 'pill-ready', failed: 'pill-failed', pending: 'pill-processing' };

const notFound = 'This webhook no longer exists: another admin deleted it.';
const formatTime = (iso) => new Date(iso).toLocaleString();
const nameOf = (hook) => hook.description || hook.url;

/**
 * The panel. call(path, options): an admin request; failed(error, describeOptions): what the page does with an error
 * (a toast, or back to sign-in for a key that stopped working).
 */
export function webhooksPanel({ call, failed }) {
  const items = new Map();
  const list = h('ul', { class: 'webhooks', attrs: { 'aria-label': 'Registered webhooks' } });
  const none = h('p', { class: 'muted', text: 'No webhooks yet. Register an endpoint below to be told when photos and albums change.' });
  const panel = h('section', { class: 'panel webhooks-panel', attrs: { 'aria-labelledby': 'webhooks-title' } },
    h('h2', { id: 'webhooks-title', text: 'Webhooks' }),
    h('p', { class: 'lede', text: 'Scrapbook POSTs a signed JSON message (Standard Webhooks) to each endpoint for the events it asks for, retrying for a day before it turns the endpoint off.' }),
    none, list, registerForm());

  function fail(error) {
    failed(error, { notFound });
  }

  function registerForm() {
    const url = h('input', { id: 'webhook-url', name: 'url', type: 'url', required: true, maxLength: 2048, autocomplete: 'off', placeholder: 'https://example.com/hooks/scrapbook',
      attrs: { 'aria-describedby': 'webhook-url-hint webhook-url-error' } });
    // What is wrong with the address is said under it, where a phone's screen shows it beside the field.
    const urlError = h('p', { id: 'webhook-url-error', class: 'form-error', attrs: { role: 'alert' } });
    const description = h('input', { id: 'webhook-description', name: 'description', type: 'text', maxLength: 200, autocomplete: 'off' });
    const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
    const submit = h('button', { class: 'button primary', type: 'submit' }, 'Register webhook');
    const form = h('form', { class: 'webhook-form', noValidate: true, attrs: { 'aria-labelledby': 'webhook-form-title' } },
      h('h3', { id: 'webhook-form-title', text: 'Register an endpoint' }),
      h('div', { class: 'field' }, h('label', { htmlFor: url.id, text: 'Endpoint URL' }), url,
        h('p', { id: 'webhook-url-hint', class: 'hint', text: 'An http or https address on the public internet.' }), urlError),
      h('div', { class: 'field' }, h('label', { htmlFor: description.id, text: 'Description (optional)' }), description),
      h('div', { class: 'event-families' }, FAMILIES.map(eventTypeBoxes)),
      error,
      h('div', { class: 'actions' }, submit));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      urlError.textContent = '';
      url.removeAttribute('aria-invalid');
      const eventTypes = [...form.querySelectorAll('input[name="eventTypes"]:checked:not(:disabled)')].map((box) => box.value);
      if (!url.value.trim()) return refuse('Enter the endpoint’s URL.', url);
      if (eventTypes.length === 0) return refuse('Choose at least one event type.', form.querySelector('input[name="eventTypes"]'));
      submit.disabled = true;
      try {
        const made = await call('/api/webhooks', { method: 'POST', body: { url: url.value.trim(), eventTypes, description: description.value.trim() || undefined } });
        form.reset();
        form.querySelectorAll('input[name="eventTypes"]').forEach((box) => { box.disabled = false; });
        show(made.webhook, { prepend: true }).showSecret(made.secret, 'registered');
        toast('Webhook registered.');
      } catch (problem) {
        if (problem?.status === 400) refuse(describeProblem(problem), aboutUrl(problem) ? url : null);
        else fail(problem);
      } finally {
        submit.disabled = false;
      }
    });

    /** Whether a refusal is about the address (the SSRF guard's, or a malformed URL) rather than the event types. */
    function aboutUrl(problem) {
      return /url-not-allowed$/.test(problem.problem?.type ?? '') || /^url\b/.test(problem.problem?.detail ?? '');
    }

    function refuse(message, input) {
      (input === url ? urlError : error).textContent = message;
      input?.setAttribute('aria-invalid', 'true');
      input?.focus();
    }
    return form;
  }

  /** A family's checkboxes: its wildcard covers the others, which are then checked and locked. */
  function eventTypeBoxes(family) {
    const boxes = family.types.map(([type, meaning]) => {
      const id = `webhook-type-${type.replace(/\W/g, '-')}`;
      const box = h('input', { type: 'checkbox', id, name: 'eventTypes', value: type });
      return { type, box, row: h('label', { class: 'event-type', htmlFor: id }, box, h('span', {}, h('code', { text: type }), h('span', { class: 'hint', text: meaning }))) };
    });
    const [wildcard, ...members] = boxes;
    wildcard.box.addEventListener('change', () => {
      for (const member of members) {
        member.box.disabled = wildcard.box.checked;
        if (wildcard.box.checked) member.box.checked = true;
      }
    });
    return h('fieldset', { class: 'event-family' }, h('legend', { text: `${family.title} events` }), boxes.map((b) => b.row));
  }

  /** Adds or replaces an endpoint's entry; returns its entry. */
  function show(hook, { prepend = false } = {}) {
    const existing = items.get(hook.id);
    if (existing) {
      existing.update(hook);
      return existing;
    }
    const entry = webhookEntry(hook);
    items.set(hook.id, entry);
    if (prepend) list.prepend(entry.element);
    else list.append(entry.element);
    none.hidden = true;
    return entry;
  }

  function drop(id) {
    items.get(id)?.element.remove();
    items.delete(id);
    none.hidden = items.size > 0;
  }

  function webhookEntry(initial) {
    let hook = initial;
    const titleId = `webhook-${hook.id}`;
    const title = h('h3', { id: titleId, class: 'webhook-url' });
    const description = h('p', { class: 'webhook-description' });
    const state = h('p', { class: 'pill' });
    const types = h('ul', { class: 'event-chips', attrs: { 'aria-label': 'Event types' } });
    const disabled = h('p', { class: 'webhook-disabled', attrs: { role: 'note' } });
    const previous = h('p', { class: 'hint webhook-previous' });
    const secret = h('div', { class: 'webhook-secret', hidden: true });
    const test = h('button', { class: 'button small primary', type: 'button', onclick: () => sendTest() }, 'Send test event');
    const rotation = h('button', { class: 'button small', type: 'button', onclick: () => rotate() }, 'Rotate secret');
    const toggle = h('button', { class: 'button small', type: 'button', onclick: () => setEnabled(!hook.enabled) });
    const deletion = h('button', { class: 'button small danger', type: 'button', onclick: () => remove() }, 'Delete');
    const log = deliveryLog(hook.id, () => hook);
    const element = h('li', { class: 'webhook', dataset: { webhookId: hook.id }, attrs: { 'aria-labelledby': titleId } },
      h('div', { class: 'webhook-head' }, h('div', { class: 'webhook-name' }, title, description), state),
      types, disabled, previous, secret,
      h('div', { class: 'card-actions webhook-actions' }, test, rotation, toggle, deletion),
      log.element);

    function update(next) {
      hook = next;
      element.dataset.enabled = String(hook.enabled);
      title.textContent = hook.url;
      description.textContent = hook.description ?? '';
      description.hidden = !hook.description;
      state.textContent = hook.enabled ? 'On' : 'Off';
      state.className = `pill ${hook.enabled ? 'pill-ready' : 'pill-failed'}`;
      types.replaceChildren(...hook.eventTypes.map((type) => h('li', {}, h('code', { text: type }))));
      disabled.hidden = hook.enabled;
      disabled.replaceChildren(
        h('strong', { text: 'Deliveries are off' }),
        hook.disabledAt ? ` since ${formatTime(hook.disabledAt)}` : '',
        hook.disabledReason ? `: ${hook.disabledReason}` : '.');
      const overlap = hook.previousSecretExpiresAt && Date.parse(hook.previousSecretExpiresAt) > Date.now();
      previous.hidden = !overlap;
      previous.textContent = overlap ? `The previous secret still signs too, until ${formatTime(hook.previousSecretExpiresAt)}.` : '';
      toggle.textContent = hook.enabled ? 'Turn off' : 'Turn on';
      // Each button's name says which endpoint it acts on, as the list holds several.
      const name = nameOf(hook);
      test.setAttribute('aria-label', `Send test event to ${name}`);
      rotation.setAttribute('aria-label', `Rotate secret of ${name}`);
      toggle.setAttribute('aria-label', `${toggle.textContent} ${name}`);
      deletion.setAttribute('aria-label', `Delete ${name}`);
    }

    /** The secret, this once: the server keeps no copy it can show again. */
    function showSecret(value, why) {
      const id = `${titleId}-secret`;
      const input = h('input', { id, type: 'text', readOnly: true, value, autocomplete: 'off', attrs: { spellcheck: 'false' } });
      const copy = h('button', { class: 'button primary', type: 'button', attrs: { 'aria-label': 'Copy the signing secret' }, onclick: () => copyField(input, copy, 'secret') }, 'Copy');
      secret.replaceChildren(
        h('label', { htmlFor: id, text: 'Signing secret' }),
        h('div', { class: 'share-url' }, input, copy),
        h('p', { class: 'hint', attrs: { role: 'status' } },
          h('strong', { text: 'Copy it now: you will not see this again. ' }),
          why === 'rotated'
            ? 'Give it to the receiver; the previous secret keeps signing beside it for a while, so nothing is lost meanwhile.'
            : 'The receiver checks each message’s signature with it.'),
        h('button', { class: 'button small', type: 'button', onclick: () => { secret.hidden = true; secret.replaceChildren(); } }, 'I have copied it'));
      secret.hidden = false;
      input.focus();
      input.select();
    }

    async function sendTest() {
      try {
        const queued = await call(`/api/webhooks/${hook.id}/test`, { method: 'POST' });
        toast('Test event queued: its delivery shows in the log.');
        log.follow(queued.messageId);
      } catch (error) {
        fail(error);
      }
    }

    async function rotate() {
      const answer = await ask({
        title: 'Rotate this secret?',
        content: [h('p', { text: 'A new secret signs every message from now on. The current one keeps signing beside it for a while, so the receiver can switch without missing anything.' })],
        actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'rotate', label: 'Rotate', kind: 'primary' }],
      });
      if (answer !== 'rotate') return;
      try {
        const rotated = await call(`/api/webhooks/${hook.id}/rotate-secret`, { method: 'POST' });
        update(rotated.webhook);
        showSecret(rotated.secret, 'rotated');
      } catch (error) {
        fail(error);
      }
    }

    async function setEnabled(enabled) {
      try {
        update(await call(`/api/webhooks/${hook.id}`, { method: 'PATCH', body: { enabled } }));
        toast(enabled ? 'Webhook turned on: deliveries resume.' : 'Webhook turned off: nothing is sent to it until it is turned on.');
      } catch (error) {
        fail(error);
      }
    }

    async function remove() {
      const answer = await ask({
        title: 'Delete this webhook?',
        content: [h('p', { class: 'dialog-subject', text: hook.url }), h('p', { text: 'Nothing more is sent to it, and its delivery log is deleted with it.' })],
        actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'delete', label: 'Delete', kind: 'danger' }],
      });
      if (answer !== 'delete') return;
      try {
        await call(`/api/webhooks/${hook.id}`, { method: 'DELETE' });
        log.stop();
        drop(hook.id);
        toast('Webhook deleted.');
      } catch (error) {
        fail(error);
      }
    }

    update(hook);
    log.load();
    return { element, update, showSecret };
  }

  /** One endpoint's delivery log, newest first: a page at a time, with Refresh and Older. */
  function deliveryLog(id, current) {
    let cursor = null;
    let following = 0;
    const headingId = `webhook-log-${id}`;
    const body = h('tbody', { attrs: { role: 'rowgroup' } });
    const empty = h('p', { class: 'muted', text: 'Nothing delivered yet.' });
    const status = h('p', { class: 'hint log-status', attrs: { role: 'status' } });
    const older = h('button', { class: 'button small', type: 'button', hidden: true, onclick: () => load({ more: true }) }, 'Older');
    const refresh = h('button', { class: 'button small', type: 'button', onclick: () => load() }, 'Refresh');
    // The roles are spelled out because at phone width the rows are laid out as cards, and a table whose display is
    // changed can lose its table semantics.
    const table = h('table', { class: 'log-table', hidden: true, attrs: { role: 'table', 'aria-labelledby': headingId } },
      h('thead', { attrs: { role: 'rowgroup' } }, h('tr', { attrs: { role: 'row' } }, ['Time', 'Event', 'Message id', 'Attempt', 'Status', 'Latency', 'State', 'Response']
        .map((label) => h('th', { scope: 'col', text: label, attrs: { role: 'columnheader' } })))),
      body);
    const element = h('div', { class: 'delivery-log' },
      h('div', { class: 'log-head' }, h('h4', { id: headingId, text: 'Delivery log' }), refresh),
      status, empty, h('div', { class: 'log-scroll' }, table), h('div', { class: 'log-more' }, older));

    function row(attempt) {
      const cell = (label, content, className) => h('td', { class: className, dataset: { label }, attrs: { role: 'cell' } }, content);
      const result = attempt.statusCode != null ? String(attempt.statusCode) : (attempt.error ?? '—');
      const excerpt = attempt.responseExcerpt
        ? h('details', {}, h('summary', { text: 'Show' }), h('pre', { class: 'log-excerpt', text: attempt.responseExcerpt }))
        : h('span', { class: 'muted', text: '—' });
      return h('tr', { dataset: { messageId: attempt.messageId, state: attempt.state, attempt: String(attempt.attempt) }, attrs: { role: 'row' } },
        cell('Time', h('time', { dateTime: attempt.startedAt, title: formatTime(attempt.startedAt), text: timeAgo(attempt.startedAt) })),
        cell('Event', h('code', { text: attempt.eventType })),
        cell('Message id', h('code', { text: attempt.messageId }), 'log-id'),
        cell('Attempt', String(attempt.attempt), 'log-number'),
        cell('Status', result, attempt.statusCode != null && attempt.statusCode < 300 ? 'log-status-ok' : 'log-status-bad'),
        cell('Latency', `${Math.round(attempt.latencyMs)} ms`, 'log-number'),
        cell('State', h('span', { class: `pill ${STATE_PILL[attempt.state] ?? ''}`, text: attempt.state })),
        cell('Response', excerpt, 'log-response'));
    }

    /** The newest page again, or (more) the page after the last one shown. Resolves with the newest page's items. */
    async function load({ more = false } = {}) {
      const button = more ? older : refresh;
      button.disabled = true;
      try {
        const query = `limit=${LOG_PAGE}${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call(`/api/webhooks/${id}/attempts?${query}`);
        const rows = page.items.map(row);
        if (more) body.append(...rows);
        else body.replaceChildren(...rows);
        cursor = page.nextCursor;
        older.hidden = !cursor;
        empty.hidden = body.children.length > 0;
        table.hidden = body.children.length === 0;
        return page.items;
      } catch (error) {
        if (!following) fail(error);
        return null;
      } finally {
        button.disabled = false;
      }
    }

    /** Refreshes every second until the message's first attempt has an outcome, for at most TEST_POLL_LIMIT_MS. */
    async function follow(messageId) {
      const run = ++following;
      const until = Date.now() + TEST_POLL_LIMIT_MS;
      status.textContent = 'Waiting for the test delivery…';
      while (run === following && element.isConnected) {
        const items = await load();
        const attempt = items?.find((a) => a.messageId === messageId);
        if (attempt && attempt.state !== 'pending') {
          status.textContent = `Test event ${attempt.state}.`;
          break;
        }
        if (Date.now() >= until) {
          status.textContent = attempt
            ? 'The test event is still being retried; press Refresh to see later attempts.'
            : `No attempt yet${current().enabled ? '' : ' (the test is sent even though the webhook is off)'}; press Refresh to look again.`;
          break;
        }
        await new Promise((resolve) => { setTimeout(resolve, TEST_POLL_MS); });
      }
      if (run === following) following = 0;
    }

    return { element, load, follow, stop: () => { following = 0; } };
  }

  async function load() {
    try {
      const all = await call('/api/webhooks');
      const seen = new Set(all.items.map((hook) => hook.id));
      for (const id of [...items.keys()]) if (!seen.has(id)) drop(id);
      for (const hook of all.items) show(hook);
      none.hidden = items.size > 0;
    } catch (error) {
      fail(error);
    }
  }

  load();
  return panel;
}
