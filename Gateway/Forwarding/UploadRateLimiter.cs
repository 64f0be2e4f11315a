using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// The upload rate limit: two fixed windows chained with
/// <see cref="PartitionedRateLimiter.CreateChained{TResource}"/>, first per client address, then per owner token. A
/// client that invents a new owner token for every request is still counted by its address, and an owner is
/// counted wherever they connect from.
/// </summary>
/// <remarks>
/// <para>The address is the TCP peer's (<see cref="ConnectionInfo.RemoteIpAddress"/>), not <c>X-Forwarded-For</c>:
/// the gateway is the public entry, so that header is whatever the client chose to write. Only when the peer is
/// one of <see cref="GatewayOptions.TrustedProxies"/> (a cloud ingress in front) is the header read, from the right,
/// up to the first address that is not itself a trusted proxy. IPv6 clients are counted by their /64, which one
/// subscriber usually holds whole.</para>
/// <para>The address comes first so that a request it refuses never creates an owner partition (token rotation
/// cannot grow the owner table past the address limit). Its limit is a multiple of the owner's, for guests sharing
/// one venue's NAT.</para>
/// <para>Only the rate-limited routes call it, so other requests pay nothing for it (no middleware in the pipeline).</para>
/// </remarks>
internal sealed partial class UploadRateLimiter : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter;
    private readonly IPNetwork[] _trustedProxies;
    private readonly ILogger<UploadRateLimiter> _logger;

    public UploadRateLimiter(IOptions<GatewayOptions> options, ILogger<UploadRateLimiter> logger)
    {
        _logger = logger;
        _trustedProxies = [.. options.Value.TrustedProxies.Select(ParseNetwork)];
        var limit = options.Value.UploadRateLimit;
        var byAddress = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetFixedWindowLimiter(ClientPartition(ClientAddress(context)), _ => Window(limit.ClientAddressPermitLimit, limit.Window)));
        var byOwner = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            OwnerToken.GetOwnerId(context) is { } owner
                ? RateLimitPartition.GetFixedWindowLimiter(owner, _ => Window(limit.PermitLimit, limit.Window))
                // Without a token Upload.Api answers 401 anyway; the address limit still counts these.
                : RateLimitPartition.GetNoLimiter(""));
        _limiter = PartitionedRateLimiter.CreateChained(byAddress, byOwner);
    }

    /// <summary>
    /// Takes one permit for the request, or answers 429 with <c>Retry-After</c> and a ProblemDetails body and returns false.
    /// </summary>
    public async ValueTask<bool> TryAcquireAsync(HttpContext context)
    {
        using var lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return true;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        LogRateLimited(_logger, ClientPartition(ClientAddress(context)), seconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await GatewayProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited,
            "Too many uploads", "Upload rate limit reached; retry after the time in Retry-After.");
        return false;
    }

    public ValueTask DisposeAsync()
    {
        _limiter.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The TCP peer, or when that is a trusted proxy, the first address left of it in <c>X-Forwarded-For</c> that is not.</summary>
    private IPAddress? ClientAddress(HttpContext context)
    {
        var client = context.Connection.RemoteIpAddress;
        if (_trustedProxies.Length == 0 || client is null || !IsTrustedProxy(client))
        {
            return client;
        }

        var forwardedFor = context.Request.Headers["X-Forwarded-For"];
        for (var i = forwardedFor.Count - 1; i >= 0; i--)
        {
            var entries = (forwardedFor[i] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var j = entries.Length - 1; j >= 0; j--)
            {
                if (!IPAddress.TryParse(entries[j], out var hop))
                {
                    // Not an address a proxy writes: stop believing the header here.
                    return client;
                }

                client = hop;
                if (!IsTrustedProxy(hop))
                {
                    return hop;
                }
            }
        }

        return client;
    }

    /// <summary>A network (<c>10.0.0.0/8</c>) or one address (<c>10.0.0.7</c>, a network of one).</summary>
    private static IPNetwork ParseNetwork(string text) =>
        TryParseNetwork(text, out var network) ? network : throw new FormatException($"'{text}' is neither an IP address nor a network.");

    /// <inheritdoc cref="ParseNetwork(string)"/>
    internal static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            network = default;
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);
        return true;
    }

    private bool IsTrustedProxy(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The client's IPv4 address, or the /64 of its IPv6 address.</summary>
    internal static string ClientPartition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Upload from {Client} rate limited; retry after {Seconds} s")]
    private static partial void LogRateLimited(ILogger logger, string client, int seconds);
}
