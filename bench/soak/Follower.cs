using System.Globalization;
using System.Net;
using Scrapbook.Testing;

namespace Scrapbook.Bench.Soak;

/// <summary>
/// A wall that comes and goes: follows the public SSE stream from its own address, hangs up after a few seconds, and
/// resumes with Last-Event-ID, as a browser tab does after a network change. It starts from the very first event
/// (Last-Event-ID 0), so at the end it must have seen every public event, each once, in order.
/// </summary>
internal sealed class Follower(int number, Uri gateway, IPAddress address, Action<string> log)
{
    private readonly Random _random = new(number);
    private string? _lastEventId = "0";

    public string Name { get; } = $"follower {number}";

    /// <summary>Event ids in the order they arrived, across every connection.</summary>
    public List<long> Seen { get; } = [];

    /// <summary>Where <c>event: reset</c> arrived: the last id seen before it (what came between is covered by a reload instead).</summary>
    public List<long> Resets { get; } = [];

    public int Connections { get; private set; }

    public int FailedConnects { get; private set; }

    /// <summary>
    /// Connects, reads, hangs up and resumes until <paramref name="driving"/> ends; then stays connected until it has seen
    /// <paramref name="catchUpTo"/> (once known) or <paramref name="cancellationToken"/> ends.
    /// </summary>
    public async Task RunAsync(CancellationToken driving, Func<long?> catchUpTo, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (driving.IsCancellationRequested && catchUpTo() is { } target && Seen.Count > 0 && Seen[^1] >= target)
            {
                return;
            }

            var session = driving.IsCancellationRequested ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(_random.Next(3, 15));
            try
            {
                await using var connection = await SseConnection.OpenAsync(gateway, _lastEventId, localAddress: address, cancellationToken: cancellationToken);
                if (!connection.Response.IsSuccessStatusCode)
                {
                    FailedConnects++;
                    await Task.Delay(500, cancellationToken);
                    continue;
                }

                Connections++;
                var ends = DateTime.UtcNow + session;
                while (DateTime.UtcNow < ends && !(driving.IsCancellationRequested && catchUpTo() is { } t && Seen.Count > 0 && Seen[^1] >= t))
                {
                    var frame = await connection.NextAsync(f => f.IsEvent, ends - DateTime.UtcNow, cancellationToken);
                    if (frame.Event == "reset")
                    {
                        Resets.Add(Seen.Count > 0 ? Seen[^1] : 0);
                        log($"{Name}: reset after {Resets[^1]}; reloading and following from now");
                        _lastEventId = null;
                        break;
                    }

                    Seen.Add(long.Parse(frame.Id!, CultureInfo.InvariantCulture));
                    _lastEventId = frame.Id;
                }
            }
            catch (Exception exception) when (exception is TimeoutException or HttpRequestException or IOException or InvalidOperationException
                or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Hung up by us (session over), by the server (stopped, cut off) or by a killed process: resume.
                if (exception is HttpRequestException)
                {
                    FailedConnects++;
                    await Task.Delay(250, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }
}
