using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gateway.Proxy;

/// <summary>
/// The gateway's rate limits, on ASP.NET Core's rate limiting middleware: uploads (<see cref="UploadsPolicyName"/>), share links
/// (<see cref="SharedLinksPolicyName"/>) and pairing codes (<see cref="PairingPolicyName"/>), per client address.
/// The upload limit: routes name the <see cref="UploadsPolicyName"/> policy
/// (YARP's <c>RateLimiterPolicy</c>), and each request to them takes a permit per client address and then one per owner.
/// A client that invents a new owner token for every request is still counted by its address, and an owner is counted
/// wherever they connect from.
/// </summary>
/// <remarks>
/// <para>The middleware takes the global limiter's permit before the endpoint policy's, and stops at the first refusal.
/// So the address limit is the global limiter (it lets every other route through untouched), and the owner limit is the
/// policy: a request refused by its address never creates an owner partition, and token rotation cannot grow the owner
/// table past the address limit.</para>
/// <para>The address is the TCP peer's, or the client's from <c>X-Forwarded-For</c> when the peer is one of
/// <see cref="GatewayOptions.TrustedProxies"/> (the forwarded headers middleware has put it in
/// <see cref="ConnectionInfo.RemoteIpAddress"/> by then). IPv6 clients are counted by their /64, which one subscriber
/// usually holds whole. Its limit is a multiple of the owner's, for guests sharing one venue's NAT.</para>
/// </remarks>
internal static partial class RateLimits
{
    public const string UploadsPolicyName = "uploads";

    /// <summary>Share links, per client address (<see cref="GatewayOptions.SharedLinkRateLimit"/>).</summary>
    public const string SharedLinksPolicyName = "shared";

    /// <summary>Pairing-code redemptions, per client address (<see cref="GatewayOptions.PairingRateLimit"/>).</summary>
    public const string PairingPolicyName = "pairing";

    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<GatewayOptions>>((limiter, gateway) =>
        {
            var limit = gateway.Value.UploadRateLimit;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => IsUploadRoute(context)
                ? RateLimitPartition.GetFixedWindowLimiter(ClientPartition(context.Connection.RemoteIpAddress), _ => Window(limit.ClientAddressPermitLimit, limit.Window))
                : RateLimitPartition.GetNoLimiter(""));
            limiter.AddPolicy(UploadsPolicyName, context => OwnerToken.GetTokenHash(context) is { } owner
                ? RateLimitPartition.GetFixedWindowLimiter(owner, _ => Window(limit.PermitLimit, limit.Window))
                // Without a token Upload.Api answers 401 anyway; the address limit still counts these.
                : RateLimitPartition.GetNoLimiter(""));
            var shared = gateway.Value.SharedLinkRateLimit;
            limiter.AddPolicy(SharedLinksPolicyName, context =>
                RateLimitPartition.GetFixedWindowLimiter(ClientPartition(context.Connection.RemoteIpAddress), _ => Window(shared.PermitLimit, shared.Window)));
            var pairing = gateway.Value.PairingRateLimit;
            limiter.AddPolicy(PairingPolicyName, context =>
                RateLimitPartition.GetFixedWindowLimiter(ClientPartition(context.Connection.RemoteIpAddress), _ => Window(pairing.PermitLimit, pairing.Window)));
        });
        return services;
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

    private static bool IsUploadRoute(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == UploadsPolicyName;

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        LogRateLimited(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimits)),
            ClientPartition(context.Connection.RemoteIpAddress), seconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var (title, detail) = IsUploadRoute(context)
            ? ("Too many uploads", "Upload rate limit reached; retry after the time in Retry-After.")
            : ("Too many requests", "Too many requests from your address; retry after the time in Retry-After.");
        await GatewayProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, title, detail);
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
