using System.Diagnostics;
using Dapper;
using Scrapbook.Gallery.Api.Data;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Adds outbox rows inside a write's transaction, and commits that transaction and wakes the relay: how every store
/// announces what it changed, so a change and its announcement commit together or not at all.
/// </summary>
internal sealed class OutboxWriter(OutboxSignal signal, TimeProvider time)
{
    /// <summary>One row: public when <paramref name="ownerId"/> and <paramref name="albumId"/> are null, else for that owner or that album only.</summary>
    public Task AppendAsync(WriteScope scope, string kind, string type, string payload, string? ownerId, CancellationToken cancellationToken, Guid? albumId = null) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO outbox (kind, type, payload, owner_id, album_id, traceparent, created_at) VALUES (@kind, @type, @payload, @ownerId, @albumId, @traceparent, @createdAt)",
            new { kind, type, payload, ownerId, albumId, traceparent = Activity.Current?.Id, createdAt = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>
    /// An album event for every album that shows photo <paramref name="photoId"/> to its share links (where its entry is
    /// approved), in one statement: how a change to a photo reaches the live pages of the albums it is in.
    /// </summary>
    public Task AppendToAlbumsOfAsync(WriteScope scope, string type, string payload, Guid photoId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO outbox (kind, type, payload, owner_id, album_id, traceparent, created_at)
            SELECT 'event', @type, @payload, NULL, album_id, @traceparent, @createdAt FROM album_photos WHERE photo_id = @photoId AND state = 'approved'
            """,
            new { type, payload, photoId, traceparent = Activity.Current?.Id, createdAt = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));

    public async Task CommitAsync(WriteScope scope, CancellationToken cancellationToken)
    {
        await scope.CommitAsync(cancellationToken);
        signal.Notify();
    }
}
