using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>
/// Signs a request to the classifier the Standard Webhooks way: <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix
/// seconds) and <c>webhook-signature: v1,{base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"}</c>.
/// </summary>
/// <remarks>
/// The StandardWebhooks package signs a payload given as text (it UTF-8-encodes it), which a JPEG body is not, so the
/// HMAC over the raw bytes is computed here; the tests check it equals the package's signature for a text body.
/// </remarks>
internal static class RequestSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static string Sign(byte[] key, string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp.ToUnixTimeSeconds()}.")));
        hmac.AppendData(body);
        return "v1," + Convert.ToBase64String(hmac.GetHashAndReset());
    }

    public static void Apply(HttpRequestMessage request, byte[] key, string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        request.Headers.Add(IdHeader, id);
        request.Headers.Add(TimestampHeader, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignatureHeader, Sign(key, id, timestamp, body));
    }
}
