using System.Globalization;
using System.Text;
using Scrapbook.Hosting.Telemetry;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>Structured logs, traces (list and waterfall) and metrics, rendered from the telemetry store.</summary>
internal static partial class DashboardPages
{
    private const int Palette = 8;

    private static string LogsBody(TelemetryStore telemetry, LogQuery query, string? level)
    {
        var html = new StringBuilder("<h1>Structured logs</h1><form class=\"filters\" method=\"get\">");
        AppendResourceSelect(html, telemetry, query.Resource);
        html.Append("<label>Level <select name=\"level\"><option value=\"\">any</option>");
        foreach (var name in LogLevels.Names)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<option{(string.Equals(name, level, StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{name}</option>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </select> and above</label><label>Text <input type="search" name="text" value="{E(query.Text)}" placeholder="message, category, attribute, trace id"></label>
            <button>Filter</button><label><input type="checkbox" id="live"> live</label></form>
            """);

        var entries = telemetry.GetLogs(query);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{entries.Count} newest matching of {telemetry.LogCount} held.</p>");
        AppendLogTable(html, entries, telemetry);
        return html.ToString();
    }

    /// <summary>A trace id links to its trace while the trace is held (a health probe's log has an id but no recorded span).</summary>
    private static void AppendLogTable(StringBuilder html, IReadOnlyList<LogEntry> entries, TelemetryStore telemetry)
    {
        html.Append("<table class=\"grid logs\"><thead><tr><th>Time (UTC)</th><th>Resource</th><th>Level</th><th>Category</th><th>Message</th><th>Trace</th></tr></thead><tbody>");
        foreach (var entry in entries)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr class="level-{E(entry.Level.ToLowerInvariant())}"><td class="nowrap">{Clock(entry.Time)}</td><td>{E(entry.Instance ?? entry.Resource)}</td>
                <td><span class="level">{E(entry.Level)}</span></td><td class="category">{E(entry.Category)}</td><td>{E(entry.Message)}
                """);
            if (entry.Attributes.Count > 0)
            {
                html.Append("<details><summary>attributes</summary>");
                AppendAttributes(html, entry.Attributes);
                html.Append("</details>");
            }

            html.Append("</td><td>");
            if (entry.TraceId is not null)
            {
                var (open, close) = telemetry.HasTrace(entry.TraceId)
                    ? ($"""<a class="trace-link" href="/traces/{entry.TraceId}">""", "</a>")
                    : ("""<span class="muted" title="trace not recorded or no longer held">""", "</span>");
                html.Append(open).Append(entry.TraceId[..8]).Append(close);
            }

            html.Append("</td></tr>");
        }

        html.Append("</tbody></table>");
    }

    private static string TracesBody(TelemetryStore telemetry, TraceQuery query)
    {
        var html = new StringBuilder("<h1>Traces</h1><form class=\"filters\" method=\"get\">");
        AppendResourceSelect(html, telemetry, query.Resource);
        html.Append(CultureInfo.InvariantCulture, $"""
            <label><input type="checkbox" name="errorsOnly" value="true"{(query.ErrorsOnly ? " checked" : "")}> errors only</label>
            <label>Text <input type="search" name="text" value="{E(query.Text)}" placeholder="span name, attribute, trace id"></label>
            <label>Sort <select name="sort"><option value="newest">newest first</option><option value="slowest"{(query.SlowestFirst ? " selected" : "")}>slowest first</option></select></label>
            <button>Filter</button><label><input type="checkbox" id="live"> live</label></form>
            """);

        var traces = telemetry.GetTraces(query);
        var longest = traces.Count == 0 ? 1 : Math.Max(traces.Max(t => t.DurationMs), 0.001);
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{traces.Count} traces shown; {telemetry.SpanCount} spans held.</p>");
        html.Append("<table class=\"grid traces\"><thead><tr><th>Start (UTC)</th><th>Root span</th><th>Resources</th><th>Spans</th><th>Duration</th><th></th></tr></thead><tbody>");
        foreach (var trace in traces)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr{(trace.HasError ? " class=\"error\"" : "")}><td class="nowrap">{Clock(trace.Start)}</td>
                <td><a href="/traces/{trace.TraceId}">{E(trace.RootResource)}: {E(trace.RootName)}</a></td><td>
                """);
            foreach (var resource in trace.Resources)
            {
                html.Append(CultureInfo.InvariantCulture, $"""<span class="badge">{E(resource)}</span> """);
            }

            html.Append(CultureInfo.InvariantCulture, $"""
                </td><td>{trace.SpanCount}</td><td class="duration"><span class="meter" style="width:{Percent(trace.DurationMs / longest * 100)}%"></span>{Milliseconds(trace.DurationMs)}</td>
                <td>{(trace.HasError ? "<span class=\"error-flag\">error</span>" : "")}</td></tr>
                """);
        }

        html.Append("</tbody></table>");
        return html.ToString();
    }

    private static string TraceBody(TraceDetail trace, TelemetryStore telemetry)
    {
        var logs = telemetry.GetLogs(new LogQuery(TraceId: trace.TraceId, Limit: 500)).Reverse().ToList();
        var spans = trace.Spans;
        var start = spans.Min(s => s.StartNanos);
        var total = Math.Max(spans.Max(s => s.EndNanos) - start, 1UL);
        var resources = spans.Select(s => s.Resource).Distinct(StringComparer.Ordinal).ToList();
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            <p><a href="/traces">← traces</a></p><h1>Trace <code>{trace.TraceId}</code></h1>
            <p class="muted">{Clock(trace.Spans[0].Start)} · {Milliseconds(total / 1e6)} · {spans.Count} spans ·
            """);
        foreach (var resource in resources)
        {
            html.Append(CultureInfo.InvariantCulture, $""" <span class="badge c{resources.IndexOf(resource) % Palette}">{E(resource)}</span>""");
        }

        html.Append("</p><div class=\"waterfall\">");
        foreach (var (span, depth) in TreeOrder(spans))
        {
            var left = (span.StartNanos - start) / (double)total * 100;
            var width = (span.EndNanos - span.StartNanos) / (double)total * 100;
            html.Append(CultureInfo.InvariantCulture, $"""
                <details class="span{(span.IsError ? " error" : "")}"><summary>
                <span class="span-name" style="padding-left:{depth * 1.1:0.#}em"><span class="badge c{resources.IndexOf(span.Resource) % Palette}">{E(span.Resource)}</span> {E(span.Name)}</span>
                <span class="track"><span class="bar c{resources.IndexOf(span.Resource) % Palette}" style="left:{Percent(left)}%;width:{Percent(Math.Max(width, 0.3))}%"></span></span>
                <span class="span-duration">{Milliseconds(span.DurationMs)}</span></summary>
                <div class="span-detail"><p>{E(span.Kind)} span <code>{span.SpanId}</code>{(span.ParentSpanId is null ? "" : $" (parent <code>{span.ParentSpanId}</code>)")}
                in {E(span.Instance ?? span.Resource)}, scope {E(span.Scope)}. Status: <strong>{E(span.Status)}</strong>{(span.StatusMessage is null ? "" : $" — {E(span.StatusMessage)}")}.</p>
                """);
            AppendAttributes(html, span.Attributes);
            foreach (var spanEvent in span.Events)
            {
                html.Append(CultureInfo.InvariantCulture, $"""<h4>Event {E(spanEvent.Name)} at +{Milliseconds((spanEvent.Time - span.Start).TotalMilliseconds)}</h4>""");
                AppendAttributes(html, spanEvent.Attributes);
            }

            html.Append("</div></details>");
        }

        html.Append("</div>");
        if (logs.Count > 0)
        {
            html.Append("<h2>Logs in this trace</h2>");
            AppendLogTable(html, logs, telemetry);
        }

        return html.ToString();
    }

    private static string MetricsBody(TelemetryStore telemetry, string? resource, string? instrument)
    {
        var html = new StringBuilder("<h1>Metrics</h1><div class=\"metrics\"><nav class=\"instruments\">");
        var all = telemetry.GetInstruments();
        if (all.Count == 0)
        {
            html.Append("<p class=\"muted\">No metrics received yet.</p>");
        }

        foreach (var group in all)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(group.Resource)}</h3><ul>");
            foreach (var item in group.Instruments)
            {
                var selected = group.Resource == resource && item.Name == instrument;
                html.Append(CultureInfo.InvariantCulture, $"""
                    <li><a href="/metrics?resource={Url(group.Resource)}&amp;instrument={Url(item.Name)}"{(selected ? " class=\"active\"" : "")}>{E(item.Name)}</a></li>
                    """);
            }

            html.Append("</ul>");
        }

        if (telemetry.DroppedPoints > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{telemetry.DroppedPoints} points of further instruments dropped (instrument limit reached).</p>");
        }

        html.Append("</nav><section>");

        // The chart fetches the points itself (metrics.js): the page needs only the instrument, which the list above holds.
        var info = all.FirstOrDefault(g => g.Resource == resource)?.Instruments.FirstOrDefault(i => i.Name == instrument);
        if (info is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <h2>{E(info.Name)} <span class="muted">({E(resource)})</span></h2>
                <p class="muted">{E(info.Description)} · {E(info.Type)}{(info.Unit.Length > 0 ? $" · {E(info.Unit)}" : "")} · scope {E(info.Scope)}</p>
                <svg id="chart" class="chart" viewBox="0 0 800 300" role="img" aria-label="{E(info.Name)}" data-resource="{E(resource)}" data-instrument="{E(instrument)}"></svg>
                <ul id="legend" class="legend"></ul>
                """);
        }
        else
        {
            html.Append("<p class=\"muted\">Choose an instrument.</p>");
        }

        html.Append("</section></div>");
        return html.ToString();
    }

    /// <summary>Parents before children, children by start time; spans whose parent is missing start new roots.</summary>
    private static List<(SpanView Span, int Depth)> TreeOrder(IReadOnlyList<SpanView> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId)).ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        var ordered = new List<(SpanView, int)>(spans.Count);
        var stack = new Stack<(SpanView, int)>();
        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderByDescending(s => s.StartNanos))
        {
            stack.Push((root, 0));
        }

        while (stack.Count > 0)
        {
            var (span, depth) = stack.Pop();
            ordered.Add((span, depth));
            foreach (var child in children[span.SpanId].OrderByDescending(s => s.StartNanos))
            {
                stack.Push((child, depth + 1));
            }
        }

        return ordered;
    }

    private static void AppendResourceSelect(StringBuilder html, TelemetryStore telemetry, string? selected)
    {
        html.Append("<label>Resource <select name=\"resource\"><option value=\"\">all</option>");
        foreach (var name in telemetry.GetResourceNames())
        {
            html.Append(CultureInfo.InvariantCulture, $"""<option{(name == selected ? " selected" : "")}>{E(name)}</option>""");
        }

        html.Append("</select></label>");
    }

    private static void AppendAttributes(StringBuilder html, IReadOnlyDictionary<string, string> attributes)
    {
        if (attributes.Count == 0)
        {
            return;
        }

        html.Append("<table class=\"attributes\">");
        foreach (var (key, value) in attributes.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>");
        }

        html.Append("</table>");
    }

    private static string Clock(DateTimeOffset time) =>
        $"<time datetime=\"{time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}\">{time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}</time>";

    private static string Milliseconds(double milliseconds) =>
        milliseconds >= 1000
            ? (milliseconds / 1000).ToString("0.00 's'", CultureInfo.InvariantCulture)
            : milliseconds.ToString(milliseconds >= 10 ? "0 'ms'" : "0.0# 'ms'", CultureInfo.InvariantCulture);

    private static string Percent(double value) => Math.Clamp(value, 0, 100).ToString("0.###", CultureInfo.InvariantCulture);
}
