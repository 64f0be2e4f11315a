namespace Scrapbook.Contracts;

/// <summary>
/// The event types a webhook can subscribe to. A subscription names types exactly, or every type of a family with
/// <c>photo.*</c> or <c>album.*</c>. What each one means, and when it is sent, is in docs/architecture.md (Webhooks).
/// </summary>
public static class WebhookEventTypes
{
    /// <summary>A photo became public: rendered, and let through by every moderation rule that applies.</summary>
    public const string PhotoReady = EventTypes.PhotoReady;

    /// <summary>A public photo's caption or author changed.</summary>
    public const string PhotoUpdated = EventTypes.PhotoUpdated;

    /// <summary>A photo could not be rendered; data carries the reason.</summary>
    public const string PhotoFailed = EventTypes.PhotoFailed;

    /// <summary>A public photo left the wall: deleted, or taken down by a moderator.</summary>
    public const string PhotoDeleted = EventTypes.PhotoDeleted;

    /// <summary>A moderator approved a photo that was held for review.</summary>
    public const string PhotoApproved = EventTypes.PhotoApproved;

    /// <summary>Sent only by "send test event", only to the one endpoint.</summary>
    public const string Test = "webhook.test";

    /// <summary>Every type a subscription may name.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        PhotoReady, PhotoUpdated, PhotoFailed, PhotoDeleted, PhotoApproved,
        EventTypes.AlbumUpdated, EventTypes.AlbumDeleted, EventTypes.AlbumPhotoAdded, EventTypes.AlbumPhotoRemoved,
        EventTypes.AlbumPhotoApproved, EventTypes.AlbumReordered,
    ];

    /// <summary>Whether a subscription entry is a type, or a family wildcard (<c>photo.*</c>, <c>album.*</c>).</summary>
    public static bool IsValidSubscription(string entry) => All.Contains(entry) || entry is "photo.*" or "album.*";

    /// <summary>Whether a webhook subscribed to <paramref name="subscriptions"/> wants an event of <paramref name="type"/>.</summary>
    public static bool Matches(IEnumerable<string> subscriptions, string type) =>
        subscriptions.Any(entry => entry == type || (entry.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(entry[..^1], StringComparison.Ordinal)));
}

/// <summary><c>POST /api/webhooks</c>: an endpoint and the event types it wants.</summary>
public sealed record WebhookCreateRequest(string Url, IReadOnlyList<string> EventTypes, string? Description = null);

/// <summary><c>PATCH /api/webhooks/{id}</c>: a null field is left as it is. Enabling a disabled endpoint clears its reason.</summary>
public sealed record WebhookPatchRequest(string? Url = null, IReadOnlyList<string>? EventTypes = null, string? Description = null, bool? Enabled = null);

/// <summary>A registered endpoint, without its secret (shown only when made or rotated).</summary>
/// <param name="DisabledReason">Why deliveries stopped: the retry window ran out (with the last failure), or an admin turned it off.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret before the last rotation still signs too.</param>
public sealed record WebhookDto(
    Guid Id,
    string Url,
    string? Description,
    IReadOnlyList<string> EventTypes,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset? DisabledAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>The answer to registering an endpoint or rotating its secret: the secret, shown this once.</summary>
public sealed record WebhookWithSecret(WebhookDto Webhook, string Secret);

/// <summary>All registered endpoints.</summary>
public sealed record WebhookList(IReadOnlyList<WebhookDto> Items);

/// <summary>
/// One attempt to deliver one message, as the delivery log shows it.
/// </summary>
/// <param name="MessageId">The <c>webhook-id</c> header: the same on every attempt of one message, so a receiver recognises repeats.</param>
/// <param name="State">The message's state now: <c>pending</c> (more attempts to come), <c>delivered</c> or <c>failed</c>.</param>
/// <param name="StatusCode">The receiver's HTTP status, or null when no answer came (see <paramref name="Error"/>).</param>
/// <param name="ResponseExcerpt">The start of the receiver's answer (at most 1 KiB read).</param>
public sealed record WebhookAttemptDto(
    long Id,
    string MessageId,
    string EventType,
    string State,
    int Attempt,
    DateTimeOffset StartedAt,
    int? StatusCode,
    double LatencyMs,
    string? Error,
    string? ResponseExcerpt);

/// <summary>A page of a webhook's delivery log, newest first.</summary>
public sealed record WebhookAttemptPage(IReadOnlyList<WebhookAttemptDto> Items, string? NextCursor);

/// <summary>The answer to "send test event": the message queued for the endpoint.</summary>
public sealed record WebhookTestQueued(string MessageId);
