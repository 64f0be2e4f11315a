namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// A token cancelled when the client aborts or when nothing moved for <c>timeout</c> (zero: never times out).
/// <see cref="Reset"/> is called whenever bytes move either way.
/// </summary>
internal sealed class IdleTimeout : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _clientAborted;

    public IdleTimeout(TimeSpan timeout, CancellationToken clientAborted)
    {
        _timeout = timeout;
        _clientAborted = clientAborted;
        _source = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the timeout, not the client, cancelled the token.</summary>
    public bool HasFired => _source.IsCancellationRequested && !_clientAborted.IsCancellationRequested;

    public void Reset()
    {
        if (_timeout > TimeSpan.Zero)
        {
            _source.CancelAfter(_timeout);
        }
    }

    public void Dispose() => _source.Dispose();
}
