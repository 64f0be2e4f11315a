using System.Diagnostics;

namespace Scrapbook.ServiceDefaults;

/// <summary>Trace context carried through queues, streams and the outbox, picked up again by whoever handles it.</summary>
public static class PropagatedTrace
{
    /// <summary>
    /// Starts a span continuing the trace whose W3C <c>traceparent</c> (and <c>tracestate</c>) travelled with a queue
    /// message, a stream entry or an outbox row. A missing or malformed one starts a new trace rather than failing the work.
    /// </summary>
    public static Activity? StartContinuing(this ActivitySource source, string name, ActivityKind kind, string? traceparent, string? tracestate = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ActivityContext.TryParse(traceparent, tracestate, isRemote: true, out var parent);
        return source.StartActivity(name, kind, parent);
    }
}
