// Devices (/devices): every browser, phone or app that opens this scrapbook, with Revoke; "Pair a device" shows a code,
// its QR code and how long it has left, and the list picks up the new device once it has paired.
import { createPairingCode, describeProblem, ensureSession, listDevices, revokeDevice } from '../api.js';
import { ask, h, timeAgo, toast } from '../ui.js';

const POLL_MS = 3000;

export function start(main) {
  let known = new Set();
  let pairing = null; // { code, expiresAt, timer, poll }
  const list = h('ul', { class: 'devices', attrs: { 'aria-label': 'My devices' } });
  const panel = h('section', { class: 'pairing', hidden: true, attrs: { 'aria-labelledby': 'pairing-title', 'aria-live': 'polite' } });
  const pairButton = h('button', { class: 'button primary', type: 'button', onclick: () => pair() }, 'Pair a device');
  main.append(h('section', { class: 'devices-page', attrs: { 'aria-labelledby': 'devices-title' } },
    h('div', { class: 'page-head' },
      h('div', {},
        h('h1', { id: 'devices-title', text: 'Devices' }),
        h('p', { class: 'lede', text: 'Every browser, phone or app that opens your scrapbook. Pair another with a code; revoke one you no longer use or have lost.' })),
      h('div', { class: 'actions' }, pairButton)),
    panel, list));

  function render(devices) {
    list.replaceChildren(...devices.map((device) => h('li', { class: 'device', dataset: { deviceId: device.id } },
      h('div', { class: 'device-body' },
        h('p', { class: 'device-name' }, device.name, device.current ? h('span', { class: 'pill', text: 'This device' }) : null),
        h('p', { class: 'muted', text: describe(device) })),
      h('button', {
        class: 'button danger', type: 'button', onclick: () => revoke(device),
        attrs: { 'aria-label': `Revoke ${device.name}${device.current ? ' (this device)' : ''}` },
      }, 'Revoke'))));
  }

  function describe(device) {
    const parts = [];
    if (device.first) parts.push('The device this scrapbook began on');
    else if (device.createdAt) parts.push(`Paired ${timeAgo(device.createdAt)}`);
    if (device.lastSeenAt && !device.current) parts.push(`last seen ${timeAgo(device.lastSeenAt)}`);
    return parts.join(', ') || ' ';
  }

  async function load() {
    try {
      const { items } = await listDevices();
      const added = items.filter((device) => known.size > 0 && !known.has(device.id));
      known = new Set(items.map((device) => device.id));
      render(items);
      if (pairing && added.length > 0) {
        closePairing();
        toast(`Paired: ${added.map((device) => device.name).join(', ')}.`);
      }
    } catch (error) {
      toast(describeProblem(error), 'error');
    }
  }

  async function pair() {
    closePairing();
    pairButton.disabled = true;
    try {
      const code = await createPairingCode();
      showCode(code);
    } catch (error) {
      toast(describeProblem(error), 'error');
    } finally {
      pairButton.disabled = false;
    }
  }

  function showCode(code) {
    const compact = code.code.replace('-', '');
    const left = h('p', { class: 'pairing-left' });
    const qr = h('img', { class: 'pairing-qr', alt: `QR code of ${location.host}${code.url}`, width: 180, height: 180, src: `/qr/pair.svg?code=${encodeURIComponent(compact)}` });
    panel.replaceChildren(
      h('h2', { id: 'pairing-title', text: 'Pair a device' }),
      h('div', { class: 'pairing-body' },
        qr,
        h('div', {},
          h('p', { text: 'On the other device, scan the QR code, or open this site’s Pair page and type:' }),
          h('p', { class: 'pairing-code', text: code.code, attrs: { 'aria-label': `Pairing code ${code.code.split('').join(' ')}` } }),
          h('p', { class: 'muted' }, 'Or: ', h('a', { href: code.url, text: `${location.host}/pair` }), '; in the CLI: ', h('code', { text: `scrapbook pair ${code.code}` })),
          left,
          h('button', { class: 'button', type: 'button', onclick: () => closePairing() }, 'Done'))));
    panel.hidden = false;
    const tick = () => {
      const seconds = Math.max(0, Math.round((Date.parse(code.expiresAt) - Date.now()) / 1000));
      if (seconds === 0) {
        clearInterval(pairing.timer);
        left.replaceChildren('This code has expired. ', h('button', { class: 'button', type: 'button', onclick: () => pair() }, 'New code'));
        panel.querySelector('.pairing-code')?.classList.add('expired');
        return;
      }
      left.textContent = `Works once, for ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} more.`;
    };
    pairing = { timer: setInterval(tick, 1000), poll: setInterval(load, POLL_MS) };
    tick();
  }

  function closePairing() {
    if (!pairing) return;
    clearInterval(pairing.timer);
    clearInterval(pairing.poll);
    pairing = null;
    panel.hidden = true;
    panel.replaceChildren();
  }

  async function revoke(device) {
    const answer = await ask({
      title: `Revoke ${device.name}?`,
      content: [h('p', {
        text: device.current
          ? 'This browser will stop opening your scrapbook, at once. It will start a new, empty one; pair it again to come back.'
          : 'It will stop opening your scrapbook within seconds, for good. Your photos stay.',
      })],
      actions: [{ value: 'cancel', label: 'Keep it' }, { value: 'revoke', label: 'Revoke', kind: 'danger' }],
    });
    if (answer !== 'revoke') return;
    try {
      await revokeDevice(device.id);
    } catch (error) {
      toast(describeProblem(error, { notFound: 'That device is already gone.' }), 'error');
      await load();
      return;
    }
    if (device.current) {
      location.assign('/');
      return;
    }
    toast(`${device.name} can no longer open your scrapbook.`);
    await load();
  }

  ensureSession().then(load, (error) => toast(describeProblem(error), 'error'));
}
