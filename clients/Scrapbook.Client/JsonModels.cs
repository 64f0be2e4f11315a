using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Serialization.Json;

namespace Scrapbook.Client;

/// <summary>
/// Reads the generated models from JSON with Kiota's own JSON parse nodes, directly: the hand-written calls must not
/// depend on a <see cref="ScrapbookApiClient"/> having been made first (it registers Kiota's default deserializers).
/// </summary>
internal static class JsonModels
{
    private static readonly JsonParseNodeFactory s_factory = new();

    /// <summary>A JSON request body holding <paramref name="model"/>.</summary>
    public static HttpContent Content(IParsable model)
    {
        using var writer = new JsonSerializationWriter();
        writer.WriteObjectValue(null, model);
        using var json = writer.GetSerializedContent();
        var bytes = new byte[json.Length];
        json.ReadExactly(bytes);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    public static async Task<T?> ReadAsync<T>(Stream json, ParsableFactory<T> factory, CancellationToken cancellationToken) where T : IParsable
    {
        var node = await s_factory.GetRootParseNodeAsync("application/json", json, cancellationToken).ConfigureAwait(false);
        return node.GetObjectValue(factory);
    }
}
