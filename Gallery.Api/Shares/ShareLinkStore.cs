using System.Buffers.Text;
using System.Security.Cryptography;
using Dapper;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gallery.Api.Shares;

/// <summary>A <c>share_links</c> row, with the title of what it names (the album's title or the photo's caption).</summary>
internal sealed class ShareLinkRow
{
    public Guid Id { get; set; }

    public string OwnerId { get; set; } = "";

    public Guid? AlbumId { get; set; }

    public Guid? PhotoId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>A guest link: whoever holds it may add photos to the album.</summary>
    public bool AllowUploads { get; set; }

    public string? Title { get; set; }

    public ShareTarget Target => AlbumId is null ? ShareTarget.Photo : ShareTarget.Album;

    public Guid TargetId => AlbumId ?? PhotoId!.Value;

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    public ShareLinkDto ToDto(DateTimeOffset now, string? url = null) =>
        new(Id, Target, TargetId, Title, CreatedAt, ExpiresAt, RevokedAt, IsActive(now), AllowUploads, url);

    public ShareLinkGrant ToGrant() => new(Id, OwnerId, AlbumId, PhotoId, AllowUploads, ExpiresAt);
}

/// <summary>What making a link came to.</summary>
internal enum ShareOutcome
{
    Created,

    /// <summary>No such album or photo, or an album of someone else's (the same answer).</summary>
    NotFound,

    /// <summary>The photo exists but is someone else's.</summary>
    NotYours,
}

/// <summary>
/// Share links: a token of 256 random bits that shows one album or one photo to whoever holds it, until it expires or
/// its owner revokes it. Only the token's SHA-256 is stored, so a database leak does not leak working links, and the
/// token is shown once. Resolving a token that is unknown, expired or revoked gives the same <c>null</c>: nothing
/// tells a guesser whether a link ever existed.
/// </summary>
internal sealed class ShareLinkStore(GalleryDatabase database, TimeProvider time)
{
    private const int TokenBytes = 32;

    private const string Columns =
        """
        s.id, s.owner_id, s.album_id, s.photo_id, s.created_at, s.expires_at, s.revoked_at, s.allow_uploads,
        COALESCE((SELECT a.title FROM albums AS a WHERE a.id = s.album_id), (SELECT p.caption FROM photos AS p WHERE p.id = s.photo_id)) AS title
        """;

    /// <summary>
    /// A link to one of <paramref name="ownerId"/>'s albums (that lets its holders add photos when
    /// <paramref name="allowUploads"/>), or to one of their photos.
    /// </summary>
    public async Task<(ShareOutcome Outcome, ShareLinkRow? Link, string? Token)> CreateAsync(
        string ownerId, ShareTarget target, Guid targetId, DateTimeOffset? expiresAt, bool allowUploads = false, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var owner = await scope.Connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            target == ShareTarget.Album ? $"SELECT owner_id FROM albums WHERE id = @targetId{scope.ForShare}" : $"SELECT owner_id FROM photos WHERE id = @targetId{scope.ForShare}",
            new { targetId },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (owner is null || (owner != ownerId && target == ShareTarget.Album))
        {
            return (ShareOutcome.NotFound, null, null);
        }

        if (owner != ownerId)
        {
            return (ShareOutcome.NotYours, null, null);
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var now = time.GetUtcNow();
        var row = new ShareLinkRow
        {
            Id = Guid.CreateVersion7(now),
            OwnerId = ownerId,
            AlbumId = target == ShareTarget.Album ? targetId : null,
            PhotoId = target == ShareTarget.Photo ? targetId : null,
            CreatedAt = now,
            ExpiresAt = expiresAt,
            AllowUploads = allowUploads && target == ShareTarget.Album,
        };
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO share_links (id, owner_id, token_hash, album_id, photo_id, created_at, expires_at, revoked_at, allow_uploads) VALUES (@Id, @OwnerId, @TokenHash, @AlbumId, @PhotoId, @CreatedAt, @ExpiresAt, NULL, @AllowUploads)",
            new { row.Id, row.OwnerId, TokenHash = SecretHash.Of(token), row.AlbumId, row.PhotoId, row.CreatedAt, row.ExpiresAt, row.AllowUploads },
            scope.Transaction,
            cancellationToken: cancellationToken));
        row.Title = (await GetAsync(scope, ownerId, row.Id, cancellationToken))?.Title;
        await scope.CommitAsync(cancellationToken);
        return (ShareOutcome.Created, row, token);
    }

    /// <summary>The owner's links, newest first, revoked and expired ones included (marked inactive).</summary>
    public async Task<IReadOnlyList<ShareLinkRow>> ListAsync(string ownerId, Guid? before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<ShareLinkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM share_links AS s WHERE s.owner_id = @ownerId{(before is null ? "" : " AND s.id < @before")} ORDER BY s.id DESC LIMIT @limit",
            new { ownerId, before, limit },
            cancellationToken: cancellationToken))];
    }

    /// <summary>Revokes one of the owner's links; false when they have no such link. Revoking twice keeps the first time.</summary>
    public async Task<bool> RevokeAsync(string ownerId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var found = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE share_links SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @id AND owner_id = @ownerId",
            new { id, ownerId, now = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return found > 0;
    }

    /// <summary>The active link <paramref name="token"/> stands for; <c>null</c> for anything else, whatever the reason.</summary>
    public async Task<ShareLinkRow?> ResolveAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (!ShareLinkTokens.IsWellFormed(token))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ShareLinkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM share_links AS s WHERE s.token_hash = @hash", new { hash = SecretHash.Of(token) }, cancellationToken: cancellationToken));
        return row is not null && row.IsActive(time.GetUtcNow()) ? row : null;
    }

    private static async Task<ShareLinkRow?> GetAsync(WriteScope scope, string ownerId, Guid id, CancellationToken cancellationToken) =>
        await scope.Connection.QuerySingleOrDefaultAsync<ShareLinkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM share_links AS s WHERE s.id = @id AND s.owner_id = @ownerId", new { id, ownerId }, scope.Transaction, cancellationToken: cancellationToken));
}
