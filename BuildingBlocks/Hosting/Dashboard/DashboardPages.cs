using System.Net;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>The dashboard's pages: static HTML that polls the JSON API (no build step, no external assets).</summary>
internal static class DashboardPages
{
    private const string Style = """
        <style>
          body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
          .healthy { color: #107c10; } .unhealthy { color: #c50f1f; }
          pre { background: #111; color: #eee; padding: 1rem; overflow: auto; max-height: 80vh; }
          details summary { cursor: pointer; color: #555; }
          code { font-size: 12px; }
        </style>
        """;

    public static string Resources => $$"""
        <!doctype html><html><head><meta charset="utf-8"><title>Scrapbook · resources</title>{{Style}}</head>
        <body><h1>Resources</h1>
        <table><thead><tr><th>Name</th><th>Type</th><th>State</th><th>Health</th><th>Endpoints</th><th>Pid</th><th>Restarts</th><th>Environment</th><th>Logs</th><th></th></tr></thead>
        <tbody id="rows"></tbody></table>
        <script>
        const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
        async function refresh() {
          const resources = await (await fetch('/api/resources')).json();
          document.getElementById('rows').innerHTML = resources.map(r => {
            const replicas = r.replicas.length ? r.replicas : [{}];
            return replicas.map(p => `<tr>
              <td>${esc(r.name)}${r.replicas.length > 1 ? '-' + p.index : ''}</td><td>${esc(r.type)}</td>
              <td>${esc(p.state ?? '—')}</td>
              <td class="${p.state ? (p.isHealthy ? 'healthy' : 'unhealthy') : ''}">${p.state ? (p.isHealthy ? 'Healthy' : 'Unhealthy') : '—'}</td>
              <td>${(p.endpoints ?? []).map(e => `<a href="${esc(e)}">${esc(e)}</a>`).join('<br>')}</td>
              <td>${esc(p.processId)}</td><td>${esc(p.restarts)}</td>
              <td>${p.environment ? `<details><summary>${Object.keys(p.environment).length} variables</summary><code>${Object.entries(p.environment).map(([k, v]) => esc(k) + '=' + esc(v)).join('<br>')}</code></details>` : ''}</td>
              <td>${p.state ? `<a href="/console/${encodeURIComponent(r.name)}">console</a>` : ''}</td>
              <td>${p.state && p.index === 0 ? `<button onclick="restart('${encodeURIComponent(r.name)}')">restart</button>` : ''}</td></tr>`).join('');
          }).join('');
        }
        async function restart(name) { await fetch('/api/resources/' + name + '/restart', { method: 'POST' }); refresh(); }
        refresh(); setInterval(refresh, 2000);
        </script></body></html>
        """;

    public static string Console(string name)
    {
        var encoded = WebUtility.HtmlEncode(name);
        return $$"""
            <!doctype html><html><head><meta charset="utf-8"><title>Scrapbook · {{encoded}} console</title>{{Style}}</head>
            <body><p><a href="/">← resources</a></p><h1>{{encoded}} · console</h1><pre id="log"></pre>
            <script>
            const log = document.getElementById('log');
            async function refresh() {
              const lines = await (await fetch('/api/resources/' + encodeURIComponent({{System.Text.Json.JsonSerializer.Serialize(name, DashboardPageJson.Default.String)}}) + '/console')).json();
              const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 5;
              log.textContent = lines.map(l => `${l.timestamp.substring(11, 19)} [${l.replica}] ${l.text}`).join('\n');
              if (atBottom) log.scrollTop = log.scrollHeight;
            }
            refresh(); setInterval(refresh, 1000);
            </script></body></html>
            """;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class DashboardPageJson : System.Text.Json.Serialization.JsonSerializerContext;
