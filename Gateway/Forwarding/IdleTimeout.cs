namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// A token cancelled when the client aborts or when nothing moved for <c>timeout</c> (zero: never times out).
/// <see cref="Reset"/> is called whenever bytes move either way; it re-arms the timer at most once per tenth of the
/// timeout, so a busy stream does not touch the timer queue on every read (the cut comes after 0.9–1× the timeout).
/// </summary>
internal sealed class IdleTimeout : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;
    private readonly long _granularityMs;
    private readonly CancellationToken _clientAborted;
    private long _lastResetMs = long.MinValue;

    public IdleTimeout(TimeSpan timeout, CancellationToken clientAborted)
    {
        _timeout = timeout;
        _granularityMs = (long)(timeout.TotalMilliseconds / 10);
        _clientAborted = clientAborted;
        _source = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the timeout, not the client, cancelled the token.</summary>
    public bool HasFired => _source.IsCancellationRequested && !_clientAborted.IsCancellationRequested;

    public void Reset()
    {
        if (_timeout <= TimeSpan.Zero)
        {
            return;
        }

        var now = Environment.TickCount64;
        if (_lastResetMs == long.MinValue || now - _lastResetMs >= _granularityMs)
        {
            _lastResetMs = now;
            _source.CancelAfter(_timeout);
        }
    }

    public void Dispose() => _source.Dispose();
}
