// Resources page: polls /api/resources every 2 s; each replica row has restart, stop and start actions.
'use strict';
(() => {
  const rows = document.getElementById('resources');
  const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  function replicaRow(resource, replica) {
    const name = replica.name ?? resource.name;
    const running = replica.state !== undefined;
    const idle = replica.state === 'Stopped' || replica.state === 'Finished';
    const health = running && !idle ? (replica.isHealthy ? '<span class="healthy">Healthy</span>' : '<span class="unhealthy">Unhealthy</span>') : '—';
    const env = replica.environment
      ? `<details><summary>${Object.keys(replica.environment).length} variables</summary><code>${Object.entries(replica.environment).map(([k, v]) => esc(k) + '=' + esc(v)).join('<br>')}</code></details>`
      : '';
    // Every replica has all three; start is for a stopped (or finished) one, stop for one that is not.
    const enabled = { restart: true, stop: !idle, start: idle };
    const actions = running
      ? ['restart', 'stop', 'start'].map(a => `<button type="button" data-action="${a}" data-name="${esc(name)}"${enabled[a] ? '' : ' disabled'}>${a}</button>`).join('')
      : '';
    return `<tr><td>${esc(name)}</td><td>${esc(resource.type)}</td><td>${esc(replica.state ?? '—')}</td><td>${health}</td>
      <td>${(replica.endpoints ?? []).map(e => `<a href="${esc(e)}">${esc(e)}</a>`).join('<br>')}</td>
      <td>${esc(replica.processId)}</td><td>${esc(replica.restarts)}</td><td>${env}</td>
      <td>${running ? `<a href="/console/${encodeURIComponent(resource.name)}">console</a>` : ''}</td><td class="actions">${actions}</td></tr>`;
  }

  async function refresh() {
    const response = await fetch('/api/resources');
    if (!response.ok) return;
    const resources = await response.json();
    // Keep an open environment list open across refreshes.
    const open = new Set([...rows.querySelectorAll('details[open]')].map(d => d.closest('tr').firstElementChild.textContent));
    rows.innerHTML = resources.map(r => (r.replicas.length ? r.replicas : [{}]).map(p => replicaRow(r, p)).join('')).join('');
    rows.querySelectorAll('tr').forEach(tr => { if (open.has(tr.firstElementChild.textContent)) tr.querySelector('details')?.setAttribute('open', ''); });
  }

  rows.addEventListener('click', async event => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    button.disabled = true;
    await fetch(`/api/resources/${encodeURIComponent(button.dataset.name)}/${button.dataset.action}`, { method: 'POST' });
    refresh();
  });

  refresh();
  setInterval(refresh, 2000);
})();
