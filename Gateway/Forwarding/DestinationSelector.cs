using System.Collections.Concurrent;
using Microsoft.Extensions.Primitives;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// The destinations of a cluster, read from service discovery configuration (<c>services:{cluster}:http:*</c>, then
/// <c>https:*</c>) and cached until the configuration reloads. Picks round-robin, skipping a destination that recently
/// failed to connect (passive health) until its quarantine ends; when all are quarantined it still tries one rather
/// than failing without an attempt.
/// </summary>
internal sealed class DestinationSelector
{
    /// <summary>How long a destination that refused a connection is skipped.</summary>
    public static readonly TimeSpan Quarantine = TimeSpan.FromSeconds(10);

    private readonly IConfiguration _configuration;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, Cluster> _clusters = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Uri, long> _unhealthyUntil = new();

    public DestinationSelector(IConfiguration configuration, TimeProvider timeProvider)
    {
        _configuration = configuration;
        _timeProvider = timeProvider;
        ChangeToken.OnChange(configuration.GetReloadToken, _clusters.Clear);
    }

    public IReadOnlyList<Destination> GetDestinations(string cluster) => GetCluster(cluster).Destinations;

    /// <summary>The next destination of <paramref name="cluster"/> other than <paramref name="except"/>, or null when there is none.</summary>
    public Destination? Pick(string cluster, Destination? except = null)
    {
        var state = GetCluster(cluster);
        var destinations = state.Destinations;
        if (destinations.Count == 0)
        {
            return null;
        }

        var now = _unhealthyUntil.IsEmpty ? 0 : _timeProvider.GetTimestamp();
        var start = (Interlocked.Increment(ref state.Next) & int.MaxValue) % destinations.Count;
        for (var i = 0; i < destinations.Count; i++)
        {
            var candidate = destinations[(start + i) % destinations.Count];
            if (candidate != except && !IsQuarantined(candidate.Address, now))
            {
                return candidate;
            }
        }

        return except is null ? destinations[start] : null;
    }

    public void ReportConnectFailure(Destination destination) =>
        _unhealthyUntil[destination.Address] = _timeProvider.GetTimestamp() + (long)(Quarantine.TotalSeconds * _timeProvider.TimestampFrequency);

    public void ReportSuccess(Destination destination)
    {
        if (!_unhealthyUntil.IsEmpty)
        {
            _unhealthyUntil.TryRemove(destination.Address, out _);
        }
    }

    private bool IsQuarantined(Uri destination, long now) =>
        !_unhealthyUntil.IsEmpty && _unhealthyUntil.TryGetValue(destination, out var until) && now < until;

    private Cluster GetCluster(string name) => _clusters.GetOrAdd(name, static (name, configuration) =>
    {
        var service = configuration.GetSection("services").GetSection(name);
        var destinations = new List<Destination>();
        foreach (var scheme in new[] { "http", "https" })
        {
            foreach (var entry in service.GetSection(scheme).GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (Uri.TryCreate(entry.Value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    destinations.Add(new Destination(uri));
                }
            }
        }

        return new Cluster(destinations);
    }, _configuration);

    private sealed class Cluster(IReadOnlyList<Destination> destinations)
    {
        public int Next = -1;

        public IReadOnlyList<Destination> Destinations { get; } = destinations;
    }
}

/// <summary>One replica of a cluster, with the text every forwarded URI to it starts with (computed once, not per request).</summary>
internal sealed class Destination(Uri address)
{
    public Uri Address { get; } = address;

    /// <summary>Scheme, authority and base path without its trailing slash: <c>http://10.0.0.5:8080</c>.</summary>
    public string Prefix { get; } = address.GetLeftPart(UriPartial.Authority) + address.AbsolutePath.TrimEnd('/');

    public override string ToString() => Address.ToString();
}
