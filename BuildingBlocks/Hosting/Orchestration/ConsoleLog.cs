namespace Scrapbook.Hosting.Orchestration;

/// <summary>One line a resource wrote, with the stream it came from.</summary>
public sealed record ConsoleLine(DateTimeOffset Timestamp, int Replica, bool IsError, string Text);

/// <summary>The last lines of a resource's console output (bounded: the oldest are dropped first).</summary>
public sealed class ConsoleLog(int capacity = 2000)
{
    private readonly Queue<ConsoleLine> _lines = new();
    private readonly Lock _lock = new();

    public void Add(ConsoleLine line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
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
}
