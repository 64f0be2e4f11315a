using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Scrapbook.Notify.Api.Events;

/// <summary>
/// Fans the tail's events out to every open connection. The fan-out never waits for a client: each
/// connection has a bounded channel, and one that is full is dropped (its client resumes with
/// Last-Event-ID) so that nobody else is slowed.
/// </summary>
internal sealed partial class EventHub(IOptions<NotifyOptions> options, NotifyMetrics metrics, ILogger<EventHub> logger)
{
    private readonly Lock _lock = new();
    private Subscription[] _subscriptions = [];
    private long _lastSequence = -1;
    private bool _completed;

    /// <summary>The sequence of the newest event the tail has published; -1 before the first.</summary>
    public long LastSequence => Volatile.Read(ref _lastSequence);

    public int Count => Volatile.Read(ref _subscriptions).Length;

    /// <summary>Registers a connection; live events queue in its channel from now on.</summary>
    public Subscription Subscribe(EventAudience audience)
    {
        var subscription = new Subscription(this, audience, options.Value.ConnectionBufferSize);
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions, subscription];
            if (_completed)
            {
                // Arrived while the host stops: end at once rather than hold shutdown up.
                subscription.Writer.TryComplete();
            }
        }

        metrics.ClientConnected();
        return subscription;
    }

    /// <summary>Called by the tail when it starts reading after the stream's newest entry, <paramref name="sequence"/> (0 when empty).</summary>
    public void Start(long sequence) => Volatile.Write(ref _lastSequence, sequence);

    /// <summary>
    /// The stream was made anew and its ids start again lower: every connection is told to reset (its client reloads), and what it
    /// writes next is not skipped for having a lower id than before.
    /// </summary>
    public void Reset()
    {
        Volatile.Write(ref _lastSequence, 0);
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!subscription.Writer.TryWrite(StreamEvent.Reset) && subscription.Drop())
            {
                metrics.ClientDropped();
            }
        }
    }

    /// <summary>Called by the single tail, in stream order. Returns how many connections the event was queued for.</summary>
    public int Publish(StreamEvent streamEvent)
    {
        Volatile.Write(ref _lastSequence, streamEvent.Sequence);
        var queued = 0;
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!streamEvent.IsVisibleTo(subscription.Audience))
            {
                continue;
            }

            if (subscription.Writer.TryWrite(streamEvent))
            {
                queued++;
            }
            else if (subscription.Drop())
            {
                metrics.ClientDropped();
                LogClientDropped(logger, subscription.Audience.OwnerId is not null, options.Value.ConnectionBufferSize, streamEvent.Sequence);
            }
        }

        return queued;
    }

    /// <summary>Ends every connection (the host is stopping).</summary>
    public void CompleteAll()
    {
        lock (_lock)
        {
            _completed = true;
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.Writer.TryComplete();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscriptions, subscription);
            if (index < 0)
            {
                return;
            }

            _subscriptions = [.. _subscriptions.AsSpan(0, index), .. _subscriptions.AsSpan(index + 1)];
        }

        metrics.ClientDisconnected();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A client (owner: {HasOwner}) fell {BufferSize} events behind at event {Sequence} and was disconnected")]
    private static partial void LogClientDropped(ILogger logger, bool hasOwner, int bufferSize, long sequence);

    /// <summary>One connection's queue of live events.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly EventHub _hub;
        private readonly Channel<StreamEvent> _channel;
        private int _dropped;
        private int _disposed;

        public Subscription(EventHub hub, EventAudience audience, int capacity)
        {
            _hub = hub;
            Audience = audience;
            _channel = Channel.CreateBounded<StreamEvent>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
            });
        }

        public EventAudience Audience { get; }

        public ChannelReader<StreamEvent> Reader => _channel.Reader;

        /// <summary>True when the client fell behind and must be disconnected.</summary>
        public bool IsDropped => Volatile.Read(ref _dropped) == 1;

        internal ChannelWriter<StreamEvent> Writer => _channel.Writer;

        /// <summary>Completes the channel so the connection ends; true the first time.</summary>
        internal bool Drop()
        {
            if (Interlocked.Exchange(ref _dropped, 1) == 1)
            {
                return false;
            }

            _channel.Writer.TryComplete();
            return true;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _channel.Writer.TryComplete();
                _hub.Remove(this);
            }
        }
    }
}
