using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
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

    /// <summary>Where <c>event: reset</c> arrived: the last id seen before it, and the public photos the reload then showed.</summary>
    public List<(long After, HashSet<Guid> Reloaded)> Resets { get; } = [];

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
                        // What a page does: reload the wall, then follow from now.
                        var after = Seen.Count > 0 ? Seen[^1] : 0;
                        Resets.Add((after, await ReloadAsync(cancellationToken)));
                        log($"{Name}: reset after {after}; reloaded {Resets[^1].Reloaded.Count} photos, following from now");
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

    /// <summary>The public wall's photos, every page, as a reloading page would show them.</summary>
    private async Task<HashSet<Guid>> ReloadAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(LoopbackSource.Handler(address)) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        var photos = new HashSet<Guid>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync($"/api/photos?limit=100{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}",
                ContractsJsonContext.Default.PhotoPage, cancellationToken);
            photos.UnionWith(page!.Items.Select(p => p.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return photos;
    }
}
