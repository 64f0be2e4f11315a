using System.Buffers;
using System.Text;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Webhooks;

/// <summary>A message for webhooks: its type and its body.</summary>
internal sealed record WebhookMessage(string Type, string Payload);

/// <summary>
/// Which outbox events become webhook messages, and their bodies. Webhooks follow what is public: a photo's events
/// reach them when the wall's subscribers see them (so a photo held for review stays out until approved), plus the
/// events an integration needs that no page shows (a photo failed, a moderator approved one, albums changed).
/// An album's own events (its share links' pages) are not repeated: the owner's <c>album.*</c> events carry them.
/// </summary>
internal static class WebhookPayloads
{
    public static WebhookMessage? FromOutbox(OutboxRow row, DateTimeOffset now)
    {
        if (row.Kind != OutboxKinds.Event || row.AlbumId is not null)
        {
            return null;
        }

        var wanted = row.Type switch
        {
            EventTypes.PhotoReady or EventTypes.PhotoUpdated or EventTypes.PhotoDeleted => row.OwnerId is null,
            EventTypes.PhotoFailed or EventTypes.PhotoApproved => true,
            _ => row.Type.StartsWith("album.", StringComparison.Ordinal),
        };
        return wanted ? new WebhookMessage(row.Type, Envelope(row.Type, now, row.Payload)) : null;
    }

    /// <summary>The body every message has: <c>{"type": …, "timestamp": …, "data": …}</c>, as Standard Webhooks suggests.</summary>
    public static string Envelope(string type, DateTimeOffset timestamp, string data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", timestamp.ToUniversalTime());
            writer.WritePropertyName("data");
            writer.WriteRawValue(data);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>What a test message carries: which endpoint it is for.</summary>
    public static string TestData(Guid webhookId) =>
        JsonSerializer.Serialize(new WebhookTestData(webhookId, "A test message from Scrapbook."), WebhookJsonContext.Default.WebhookTestData);
}

internal sealed record WebhookTestData(Guid WebhookId, string Message);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(WebhookTestData))]
internal sealed partial class WebhookJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
