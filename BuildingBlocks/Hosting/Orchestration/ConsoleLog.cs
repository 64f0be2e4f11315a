namespace Scrapbook.Hosting.Orchestration;

/// <summary>One line a resource wrote, with the stream it came from.</summary>
public sealed record ConsoleLine(DateTimeOffset Timestamp, int Replica, bool IsError, string Text);

/// <summary>The last lines of a resource's console output (bounded: the oldest are dropped first).</summary>
public sealed class ConsoleLog(int capacity = 2000)
{
    private readonly Queue<ConsoleLine> _lines = new();
    private readonly Lock _lock = new();
    private long _added;

    public void Add(ConsoleLine line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
            _added++;
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<ConsoleLine> Snapshot()
    {
        lock (_lock)
        {
            return [.. _lines];
        }
    }

    /// <summary>
    /// The lines added after the first <paramref name="after"/> ever added (minus any dropped since), and the cursor
    /// to pass next time: a live view asks only for what is new. A cursor from before a restart of the log starts over.
    /// </summary>
    public (IReadOnlyList<ConsoleLine> Lines, long Next) ReadAfter(long after)
    {
        lock (_lock)
        {
            var dropped = _added - _lines.Count;
            var skip = after > _added ? 0 : Math.Clamp(after - dropped, 0, _lines.Count);
            return ([.. _lines.Skip((int)skip)], _added);
        }
    }
}
