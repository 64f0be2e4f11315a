namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>
/// Waits between receives of an empty queue: <c>min</c>, then doubling up to <c>max</c>; back to <c>min</c> after a message.
/// Short-polling with a bounded backoff keeps an idle worker cheap and a busy one prompt.
/// </summary>
internal sealed class PollBackoff(TimeSpan min, TimeSpan max)
{
    private readonly TimeSpan _min = min;
    private TimeSpan _next = min;

    /// <summary>The wait before the next receive, growing with each call.</summary>
    public TimeSpan Next()
    {
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, _next.Ticks * 2));
        return delay;
    }

    public void Reset() => _next = _min;
}
