using Microsoft.Extensions.Primitives;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>Headers that describe one connection rather than the message (RFC 9110 §7.6.1), never forwarded.</summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> s_always = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    /// <summary>The always-hop-by-hop set plus whatever the message's own <c>Connection</c> header names.</summary>
    public static HashSet<string>? NamedInConnection(StringValues connection)
    {
        HashSet<string>? named = null;
        foreach (var value in connection)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                (named ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(token);
            }
        }

        return named;
    }

    public static bool IsHopByHop(string name, HashSet<string>? namedInConnection) =>
        s_always.Contains(name) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
        || (namedInConnection?.Contains(name) ?? false);
}
