using Scrapbook.Contracts;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>A <c>photos</c> row as Dapper reads it (snake_case columns onto these properties).</summary>
internal sealed class PhotoRow
{
    public Guid Id { get; set; }

    public string OwnerId { get; set; } = "";

    public string Sha256 { get; set; } = "";

    public string Format { get; set; } = "";

    public long Length { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public string Status { get; set; } = "";

    public string Moderation { get; set; } = "";

    public string? Caption { get; set; }

    public string? Author { get; set; }

    public string? Placeholder { get; set; }

    public string? FailureReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? SourceUrl { get; set; }

    public string? SourceTitle { get; set; }

    /// <summary>Shown on the site's wall; false for a photo a guest added through an album's guest link, which shows only there.</summary>
    public bool OnWall { get; set; } = true;

    /// <summary>The automatic moderation step's verdict (a <see cref="PhotoClassification"/> as JSON), once it ran.</summary>
    public string? Classification { get; set; }
}

/// <summary>A <c>renditions</c> row.</summary>
internal sealed class RenditionRow
{
    public Guid PhotoId { get; set; }

    public string Preset { get; set; } = "";

    public string BlobKey { get; set; } = "";

    public string ContentType { get; set; } = "";

    public int Width { get; set; }

    public int Height { get; set; }

    public long Length { get; set; }
}

/// <summary>A photo with its renditions, and what it looks like to clients.</summary>
internal sealed record Photo(PhotoRow Row, IReadOnlyList<RenditionRow> Renditions)
{
    public Guid Id => Row.Id;

    public string OwnerId => Row.OwnerId;

    public PhotoStatus Status => PhotoStates.ParseStatus(Row.Status);

    public ModerationState Moderation => PhotoStates.ParseModeration(Row.Moderation);

    /// <summary>Rendered and approved: anyone may see it where it is shown (the wall, an album's share link).</summary>
    public bool IsShowable => Status == PhotoStatus.Ready && Moderation == ModerationState.Approved;

    /// <summary>On the public wall: showable, and not a guest's photo that belongs to one album only.</summary>
    public bool IsPublic => IsShowable && Row.OnWall;

    /// <summary>The photo as clients see it; the failure reason only for its owner (and admins).</summary>
    public PhotoDto ToDto(bool includeFailureReason = false) => new(
        Row.Id,
        Status,
        Moderation,
        new PhotoUrls(Url("thumb"), Url("small"), Url("large")),
        Row.Width,
        Row.Height,
        Row.Placeholder,
        Row.Caption,
        Row.Author,
        Row.CreatedAt,
        includeFailureReason ? Row.FailureReason : null,
        Row.SourceUrl is { } source ? new PhotoSource(source, Row.SourceTitle) : null);

    /// <summary>The classifier's verdict, for the admin queue.</summary>
    public PhotoClassification? Classification => Row.Classification is { } json
        ? System.Text.Json.JsonSerializer.Deserialize(json, ContractsJsonContext.Default.PhotoClassification)
        : null;

    private string? Url(string preset)
    {
        foreach (var rendition in Renditions)
        {
            if (rendition.Preset == preset)
            {
                return BlobKeys.MediaUrl(rendition.BlobKey);
            }
        }

        return null;
    }
}

/// <summary>The text the database keeps for <see cref="PhotoStatus"/> and <see cref="ModerationState"/> (their wire names).</summary>
internal static class PhotoStates
{
    public const string Processing = "processing";
    public const string Ready = "ready";
    public const string Failed = "failed";
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static PhotoStatus ParseStatus(string value) => value switch
    {
        Processing => PhotoStatus.Processing,
        Ready => PhotoStatus.Ready,
        Failed => PhotoStatus.Failed,
        _ => throw new InvalidOperationException($"Unknown photo status '{value}'."),
    };

    public static ModerationState ParseModeration(string value) => value switch
    {
        Pending => ModerationState.Pending,
        Approved => ModerationState.Approved,
        Rejected => ModerationState.Rejected,
        _ => throw new InvalidOperationException($"Unknown moderation state '{value}'."),
    };
}

/// <summary>Moderation modes of <see cref="SettingsDto.Moderation"/>.</summary>
internal static class ModerationModes
{
    public const string Off = "off";
    public const string Pre = "pre";
    public const string Auto = "auto";

    public static bool IsValid(string? value) => value is Off or Pre or Auto;

    /// <summary>Whether a photo registered under <paramref name="mode"/> waits for a moderator or the classifier before it is public.</summary>
    public static bool HoldsNewPhotos(string mode) => mode is Pre or Auto;
}

/// <summary>An outbox row (<c>kind</c> is <c>job</c> or <c>event</c>).</summary>
internal sealed class OutboxRow
{
    /// <summary>The published number (stream id, SSE event id, replay cursor) the relay gave the row once committed.</summary>
    public long Sequence { get; set; }

    public string Kind { get; set; } = "";

    public string Type { get; set; } = "";

    public string Payload { get; set; } = "";

    public string? OwnerId { get; set; }

    public string? Traceparent { get; set; }

    /// <summary>Set for an album's own events: only streams following that album receive them.</summary>
    public Guid? AlbumId { get; set; }
}

internal static class OutboxKinds
{
    public const string Job = "job";
    public const string Event = "event";

    /// <summary>The outbox type of a <see cref="ThumbnailJob"/>.</summary>
    public const string ThumbnailRequested = "thumbnail.requested";
}
