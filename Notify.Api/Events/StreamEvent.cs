using System.Globalization;
using System.Text;
using Scrapbook.Contracts;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Events;

/// <summary>
/// One event of <see cref="Channels.EventStream"/>, with its SSE frame encoded once and shared by every
/// connection it goes to.
/// </summary>
internal sealed class StreamEvent
{
    private StreamEvent(long sequence, string type, string? ownerId, Guid? albumId, string data)
    {
        Sequence = sequence;
        Type = type;
        OwnerId = ownerId;
        AlbumId = albumId;
        Frame = Encode(sequence, type, data);
    }

    private StreamEvent()
    {
        Sequence = long.MinValue;
        Type = "reset";
        Frame = "event: reset\ndata: {}\n\n"u8.ToArray();
        IsReset = true;
    }

    /// <summary>
    /// Not an event of the stream: tells the client that what it holds no longer lines up with the stream (it must reload),
    /// and that ids start again from here.
    /// </summary>
    public static StreamEvent Reset { get; } = new();

    public bool IsReset { get; }

    public long Sequence { get; }

    public string Type { get; }

    /// <summary>Set for owner-only events: only connections of that owner receive them.</summary>
    public string? OwnerId { get; }

    /// <summary>Set for an album's own events: only connections following that album (through a share link) receive them.</summary>
    public Guid? AlbumId { get; }

    /// <summary><c>id: …\nevent: …\ndata: …\n\n</c> in UTF-8.</summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>
    /// An album's events go to the streams following that album, and those streams get nothing else; of the rest, public
    /// events go to every other stream and owner-only ones to that owner's.
    /// </summary>
    public bool IsVisibleTo(EventAudience audience) => AlbumId is { } album
        ? audience.AlbumId == album
        : audience.AlbumId is null && (OwnerId is null || string.Equals(OwnerId, audience.OwnerId, StringComparison.Ordinal));

    public static StreamEvent FromEnvelope(EventEnvelope envelope) =>
        new(envelope.Sequence, envelope.Type, envelope.OwnerId, envelope.AlbumId, envelope.Data);

    /// <summary>Null for an entry not in the relay's format (id <c>{sequence}-0</c>, a <c>type</c> field).</summary>
    public static StreamEvent? FromStreamEntry(StreamEntry entry) =>
        TryParseSequence(entry.Id, out var sequence) && (string?)entry["type"] is { Length: > 0 } type
            ? new StreamEvent(sequence, type, (string?)entry["owner"], Guid.TryParse((string?)entry["album"], out var album) ? album : null, (string?)entry["data"] ?? "null")
            : null;

    /// <summary>The sequence of a stream id <c>{sequence}-{n}</c> (or a bare number, as Last-Event-ID carries it).</summary>
    public static bool TryParseSequence(string? id, out long sequence)
    {
        var span = id.AsSpan().Trim();
        var dash = span.IndexOf('-');
        if (dash >= 0)
        {
            span = span[..dash];
        }

        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    public static string StreamId(long sequence) => EventStreamIds.For(sequence);

    private static byte[] Encode(long sequence, string type, string data)
    {
        var builder = new StringBuilder(data.Length + type.Length + 40);
        builder.Append("id: ").Append(sequence.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("event: ").Append(StripLineBreaks(type)).Append('\n');
        // A line break would end the data field early (WHATWG HTML §9.2.6): each line gets its own field.
        foreach (var line in data.ReplaceLineEndings("\n").Split('\n'))
        {
            builder.Append("data: ").Append(line).Append('\n');
        }

        builder.Append('\n');
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string StripLineBreaks(string value) => value.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
}

/// <summary>Who a connection is: the owner its token proves (or none), or the album its share link follows.</summary>
internal readonly record struct EventAudience(string? OwnerId, Guid? AlbumId = null);
