using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Scrapbook.Storage;

/// <summary>
/// Signs each request (each retry, so <c>x-ms-date</c> stays fresh) with the "Shared Key" scheme for the Blob and
/// Queue services, versions 2009-09-19 and later, as described in "Authorize with Shared Key":
/// HMAC-SHA256 over VERB, the standard headers, the canonicalized <c>x-ms-*</c> headers and the canonicalized resource.
/// The one place signing lives; both <see cref="AzureBlobStore"/> and <see cref="AzureJobQueue"/> use it.
/// </summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    private static readonly string[] s_signedStandardHeaders =
    [
        "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
        "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
    ];

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));

        var stringToSign = BuildStringToSign(accountName, request);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{signature}");
    }

    internal static string BuildStringToSign(string accountName, Request request)
    {
        var builder = new StringBuilder(256);
        builder.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        foreach (var header in s_signedStandardHeaders)
        {
            builder.Append(GetStandardHeader(request, header)).Append('\n');
        }

        AppendCanonicalizedHeaders(builder, request);
        AppendCanonicalizedResource(builder, accountName, request.Uri.ToUri());
        return builder.ToString();
    }

    private static string GetStandardHeader(Request request, string name)
    {
        if (name == "Content-Length")
        {
            // The transport sets Content-Length from the content; since 2015-02-21 a zero length signs as empty.
            return request.Content is { } content && content.TryComputeLength(out var length) && length > 0
                ? length.ToString(CultureInfo.InvariantCulture)
                : string.Empty;
        }

        return request.Headers.TryGetValue(name, out var value) ? value : string.Empty;
    }

    private static void AppendCanonicalizedHeaders(StringBuilder builder, Request request)
    {
        var headers = new List<(string Name, string Value)>();
        foreach (var header in request.Headers)
        {
            if (header.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add((header.Name.ToLowerInvariant(), header.Value.Trim()));
            }
        }

        headers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }
    }

    private static void AppendCanonicalizedResource(StringBuilder builder, string accountName, Uri uri)
    {
        // The encoded path as sent; for path-style endpoints (Azurite) it already starts with the account name.
        builder.Append('/').Append(accountName).Append(uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath);

        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return;
        }

        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).ToLowerInvariant();
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!parameters.TryGetValue(name, out var values))
            {
                parameters[name] = values = [];
            }

            values.Add(value);
        }

        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            builder.Append('\n').Append(name).Append(':').AppendJoin(',', values);
        }
    }
}
