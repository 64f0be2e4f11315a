using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>Headers that describe one connection rather than the message (RFC 9110 §7.6.1), never forwarded.</summary>
internal static class HopByHopHeaders
{
    private static readonly FrozenSet<string> s_always = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade");

    /// <summary>
    /// The extra names the message's own <c>Connection</c> header lists, or null when it lists none beyond the usual
    /// <c>keep-alive</c>/<c>close</c> (which are hop-by-hop anyway): no allocation for the common case.
    /// </summary>
    public static HashSet<string>? NamedInConnection(StringValues connection)
    {
        HashSet<string>? named = null;
        foreach (var value in connection)
        {
            foreach (var range in (value ?? "").AsSpan().Split(','))
            {
                var token = (value ?? "").AsSpan()[range].Trim();
                if (token.IsEmpty || token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) || token.Equals("close", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                (named ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(token.ToString());
            }
        }

        return named;
    }

    /// <inheritdoc cref="NamedInConnection(StringValues)"/>
    public static HashSet<string>? NamedInConnection(IEnumerable<string> connection) => NamedInConnection(new StringValues([.. connection]));

    public static bool IsHopByHop(string name, HashSet<string>? namedInConnection) =>
        s_always.Contains(name) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
        || (namedInConnection is not null && namedInConnection.Contains(name));
}
