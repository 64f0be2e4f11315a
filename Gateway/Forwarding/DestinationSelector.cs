using System.Collections.Concurrent;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// The destinations of a cluster, read from service discovery configuration (<c>services:{cluster}:http:*</c>, then
/// <c>https:*</c>) on every pick so a configuration reload is honoured. Picks round-robin, skipping a destination that
/// recently failed to connect (passive health) until its quarantine ends; when all are quarantined, it still tries one
/// rather than failing without an attempt.
/// </summary>
internal sealed class DestinationSelector(IConfiguration configuration, TimeProvider timeProvider)
{
    /// <summary>How long a destination that refused a connection is skipped.</summary>
    public static readonly TimeSpan Quarantine = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, int> _next = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Uri, long> _unhealthyUntil = new();

    public IReadOnlyList<Uri> GetDestinations(string cluster)
    {
        var service = configuration.GetSection("services").GetSection(cluster);
        var destinations = new List<Uri>();
        foreach (var scheme in new[] { "http", "https" })
        {
            foreach (var entry in service.GetSection(scheme).GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (Uri.TryCreate(entry.Value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    destinations.Add(uri);
                }
            }
        }

        return destinations;
    }

    /// <summary>The next destination of <paramref name="cluster"/>, or null when it has none configured.</summary>
    public Uri? Pick(string cluster, Uri? except = null)
    {
        var destinations = GetDestinations(cluster);
        if (destinations.Count == 0)
        {
            return null;
        }

        var now = timeProvider.GetTimestamp();
        var start = _next.AddOrUpdate(cluster, 0, (_, n) => unchecked(n + 1)) & int.MaxValue;
        for (var i = 0; i < destinations.Count; i++)
        {
            var candidate = destinations[(start + i) % destinations.Count];
            if (candidate != except && !IsQuarantined(candidate, now))
            {
                return candidate;
            }
        }

        return except is null ? destinations[start % destinations.Count] : null;
    }

    public void ReportConnectFailure(Uri destination) =>
        _unhealthyUntil[destination] = timeProvider.GetTimestamp() + (long)(Quarantine.TotalSeconds * timeProvider.TimestampFrequency);

    public void ReportSuccess(Uri destination) => _unhealthyUntil.TryRemove(destination, out _);

    private bool IsQuarantined(Uri destination, long now) =>
        _unhealthyUntil.TryGetValue(destination, out var until) && now < until;
}
