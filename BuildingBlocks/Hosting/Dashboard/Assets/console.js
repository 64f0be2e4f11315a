// Console page: asks only for lines newer than its cursor, once a second, and appends them.
'use strict';
(() => {
  const log = document.getElementById('console');
  const follow = document.getElementById('console-follow');
  const status = document.getElementById('console-status');
  const name = log.dataset.resource;
  let after = 0;

  document.getElementById('console-resource').addEventListener('change', event => {
    location.href = '/console/' + encodeURIComponent(event.target.value);
  });

  async function poll() {
    try {
      const response = await fetch(`/api/resources/${encodeURIComponent(name)}/console/live?after=${after}`);
      if (!response.ok) { status.textContent = `(${response.status})`; return; }
      const chunk = await response.json();
      if (chunk.next < after) log.textContent = '';
      after = chunk.next;
      const fragment = document.createDocumentFragment();
      for (const line of chunk.lines) {
        const row = document.createElement('span');
        if (line.isError) row.className = 'stderr';
        row.textContent = `${line.timestamp.substring(11, 19)} [${line.replica}] ${line.text}\n`;
        fragment.appendChild(row);
      }
      log.appendChild(fragment);
      if (follow.checked && chunk.lines.length) log.scrollTop = log.scrollHeight;
      status.textContent = `${after} lines so far`;
    } catch {
      status.textContent = '(disconnected)';
    }
  }

  poll();
  setInterval(poll, 1000);
})();
