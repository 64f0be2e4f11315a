using System.Data.Common;
using System.Text.Json;
using Dapper;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Albums;

/// <summary>
/// Every read and write of albums and their photos, with the same SQL on SQLite and PostgreSQL. An owner sees and
/// changes only their own albums: someone else's album is "not found", never "forbidden", so ids reveal nothing. A
/// change and its owner-only events commit together. Writes of one album take turns on its row.
/// </summary>
/// <remarks>
/// Album pages are keyset-paginated on an index: newest first on (album_id, photo_id) (photo ids are UUIDv7), the
/// owner's order on (album_id, position, photo_id). Positions are spaced <see cref="Gap"/> apart, so moving a photo
/// rewrites one row until a gap is used up, and then the album is renumbered once.
/// </remarks>
internal sealed class AlbumStore(GalleryDatabase database, OutboxWriter outbox, TimeProvider time)
{
    internal const long Gap = 1024;

    /// <summary>
    /// A photo a share link of the album shows: rendered and approved by moderation (<see cref="Photo.IsShowable"/>), and
    /// not a guest's photo still waiting for the album owner's approval.
    /// </summary>
    private const string PublicPhoto = "p.status = 'ready' AND p.moderation = 'approved' AND ap.state = 'approved'";

    private const string AlbumColumns =
        """
        a.id, a.owner_id, a.title, a.description, a.sort_order, a.cover_photo_id, a.created_at, a.updated_at, a.guest_approval,
        (SELECT COUNT(*) FROM album_photos AS c WHERE c.album_id = a.id AND c.state = 'approved') AS photo_count,
        (SELECT COUNT(*) FROM album_photos AS c WHERE c.album_id = a.id AND c.state = 'pending') AS pending_count,
        COALESCE(a.cover_photo_id, (
            SELECT ap.photo_id FROM album_photos AS ap JOIN photos AS p ON p.id = ap.photo_id
            WHERE ap.album_id = a.id AND ap.state = 'approved' AND p.status = 'ready' ORDER BY ap.photo_id DESC LIMIT 1)) AS cover_id
        """;

    private static readonly string s_photoColumns = string.Join(", ", PhotoStore.PhotoColumns.Split(", ").Select(column => "p." + column));

    public async Task<Album> CreateAsync(string ownerId, string title, string? description, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var row = new AlbumRow { Id = Guid.CreateVersion7(now), OwnerId = ownerId, Title = title, Description = description, CreatedAt = now, UpdatedAt = now };
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO albums (id, owner_id, title, description, sort_order, cover_photo_id, created_at, updated_at) VALUES (@Id, @OwnerId, @Title, @Description, @SortOrder, NULL, @CreatedAt, @UpdatedAt)",
            row,
            scope.Transaction,
            cancellationToken: cancellationToken));
        var album = new Album(row, null);
        await AppendUpdatedAsync(scope, album, cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return album;
    }

    public async Task<Album?> GetAsync(string ownerId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, ownerId, id, "", cancellationToken);
    }

    /// <summary>The owner's albums, newest first, before <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<Album>> ListAsync(string ownerId, Guid? before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AlbumRow>(new CommandDefinition(
            $"SELECT {AlbumColumns} FROM albums AS a WHERE a.owner_id = @ownerId{(before is null ? "" : " AND a.id < @before")} ORDER BY a.id DESC LIMIT @limit",
            new { ownerId, before, limit },
            cancellationToken: cancellationToken))).ToList();
        return await WithCoversAsync(connection, null, rows, cancellationToken);
    }

    /// <summary>
    /// A page of the album's photos in its order, after the keyset <paramref name="after"/> (the last photo of the
    /// previous page and its position); <c>null</c> when the owner has no such album.
    /// </summary>
    public async Task<IReadOnlyList<AlbumPhoto>?> ListPhotosAsync(
        string ownerId, Guid albumId, (Guid PhotoId, long Position)? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await OrderOfAsync(connection, albumId, ownerId, cancellationToken) is { } order
            ? await ListPhotosAsync(connection, albumId, order, after, limit, "ap.state = 'approved'", cancellationToken)
            : null;
    }

    /// <summary>
    /// Guests' photos waiting in the owner's album for approval, newest first, after <paramref name="after"/>; <c>null</c>
    /// when the owner has no such album.
    /// </summary>
    public async Task<IReadOnlyList<AlbumPhoto>?> ListPendingPhotosAsync(
        string ownerId, Guid albumId, (Guid PhotoId, long Position)? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await OrderOfAsync(connection, albumId, ownerId, cancellationToken) is not null
            ? await ListPhotosAsync(connection, albumId, AlbumOrder.Newest, after, limit, "ap.state = 'pending'", cancellationToken)
            : null;
    }

    /// <summary>Any owner's album, for what a share link shows of it; <c>null</c> when there is none.</summary>
    public async Task<Album?> GetSharedAsync(Guid albumId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, ownerId: null, albumId, "", cancellationToken);
    }

    /// <summary>
    /// A page of album <paramref name="albumId"/>'s public photos (ready and approved) in its order, whoever owns it:
    /// what a share link shows. <c>null</c> when there is no such album.
    /// </summary>
    public async Task<IReadOnlyList<AlbumPhoto>?> ListPublicPhotosAsync(
        Guid albumId, (Guid PhotoId, long Position)? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await OrderOfAsync(connection, albumId, ownerId: null, cancellationToken) is { } order
            ? await ListPhotosAsync(connection, albumId, order, after, limit, PublicPhoto, cancellationToken)
            : null;
    }

    /// <summary>The album's order (its owner's, when <paramref name="ownerId"/> is given); <c>null</c> when there is no such album.</summary>
    private static async Task<AlbumOrder?> OrderOfAsync(DbConnection connection, Guid albumId, string? ownerId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            $"SELECT sort_order FROM albums WHERE id = @albumId{(ownerId is null ? "" : " AND owner_id = @ownerId")}",
            new { albumId, ownerId },
            cancellationToken: cancellationToken)) switch
        {
            null => null,
            AlbumOrders.Custom => AlbumOrder.Custom,
            _ => AlbumOrder.Newest,
        };

    /// <summary>How many public photos the album has, and the cover a stranger may see: the chosen one if public, else the newest public one.</summary>
    public async Task<(long Count, Photo? Cover)> PublicSummaryAsync(Album album, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (count, coverId) = await connection.QuerySingleAsync<(long Count, Guid? CoverId)>(new CommandDefinition(
            $"""
            SELECT
                (SELECT COUNT(*) FROM album_photos AS ap JOIN photos AS p ON p.id = ap.photo_id WHERE ap.album_id = @albumId AND {PublicPhoto}) AS count,
                COALESCE(
                    (SELECT p.id FROM album_photos AS ap JOIN photos AS p ON p.id = ap.photo_id WHERE ap.album_id = @albumId AND p.id = @chosen AND {PublicPhoto}),
                    (SELECT ap.photo_id FROM album_photos AS ap JOIN photos AS p ON p.id = ap.photo_id
                     WHERE ap.album_id = @albumId AND {PublicPhoto} ORDER BY ap.photo_id DESC LIMIT 1)) AS cover_id
            """,
            new { albumId = album.Id, chosen = album.Row.CoverPhotoId },
            cancellationToken: cancellationToken));
        if (coverId is not { } cover)
        {
            return (count, null);
        }

        return (count, album.Cover?.Id == cover ? album.Cover : (await PhotosAsync(connection, null, [cover], cancellationToken)).GetValueOrDefault(cover));
    }

    private static async Task<IReadOnlyList<AlbumPhoto>> ListPhotosAsync(
        DbConnection connection, Guid albumId, AlbumOrder albumOrder, (Guid PhotoId, long Position)? after, int limit, string filter, CancellationToken cancellationToken)
    {
        var (keyset, order) = albumOrder == AlbumOrder.Custom
            // A row-value comparison, which both engines turn into one range scan of (album_id, position, photo_id).
            ? (" AND (ap.position, ap.photo_id) > (@position, @photoId)", "ap.position, ap.photo_id")
            : (" AND ap.photo_id < @photoId", "ap.photo_id DESC");
        var rows = (await connection.QueryAsync<PhotoRow, long, (PhotoRow Row, long Position)>(
            new CommandDefinition(
                $"SELECT {s_photoColumns}, ap.position FROM album_photos AS ap JOIN photos AS p ON p.id = ap.photo_id " +
                $"WHERE ap.album_id = @albumId AND {filter}{(after is null ? "" : keyset)} ORDER BY {order} LIMIT @limit",
                new { albumId, photoId = after?.PhotoId, position = after?.Position, limit },
                cancellationToken: cancellationToken),
            (row, position) => (row, position),
            splitOn: "position")).ToList();
        var photos = await PhotoStore.WithRenditionsAsync(connection, null, [.. rows.Select(r => r.Row)], cancellationToken);
        return [.. photos.Select((photo, i) => new AlbumPhoto(photo, rows[i].Position))];
    }

    /// <summary>Changes title, description, cover or order; <see cref="AlbumChange.NotInAlbum"/> for a cover that is not one of its photos.</summary>
    public async Task<(AlbumChange Change, Album? Album)> UpdateAsync(string ownerId, Guid id, AlbumPatchRequest patch, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await GetAsync(scope.Connection, scope.Transaction, ownerId, id, scope.ForUpdate, cancellationToken) is not { } album)
        {
            return (AlbumChange.AlbumNotFound, null);
        }

        var row = album.Row;
        if (patch.CoverPhotoId is { } cover)
        {
            if (cover != Guid.Empty && await EntryStateAsync(scope, id, cover, cancellationToken) != EntryStates.Approved)
            {
                return (AlbumChange.NotInAlbum, album);
            }

            row.CoverPhotoId = cover == Guid.Empty ? null : cover;
        }

        row.Title = patch.Title ?? row.Title;
        row.GuestApproval = patch.GuestApproval ?? row.GuestApproval;
        row.Description = patch.Description is null ? row.Description : patch.Description.Length == 0 ? null : patch.Description;
        if (patch.Order is { } order && AlbumOrders.Of(order) != row.SortOrder)
        {
            if (order == AlbumOrder.Custom)
            {
                // The owner's order starts as what they were looking at.
                await RenumberAsync(scope, id, "photo_id DESC", cancellationToken);
            }

            row.SortOrder = AlbumOrders.Of(order);
        }

        row.UpdatedAt = time.GetUtcNow();
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET title = @Title, description = @Description, sort_order = @SortOrder, cover_photo_id = @CoverPhotoId, guest_approval = @GuestApproval, updated_at = @UpdatedAt WHERE id = @Id",
            row,
            scope.Transaction,
            cancellationToken: cancellationToken));
        var updated = await GetAsync(scope.Connection, scope.Transaction, ownerId, id, "", cancellationToken);
        await AppendUpdatedAsync(scope, updated!, cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return (AlbumChange.Done, updated);
    }

    /// <summary>Deletes the album; its photos stay. False when the owner has no such album.</summary>
    public async Task<bool> DeleteAsync(string ownerId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var deleted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM albums WHERE id = @id AND owner_id = @ownerId", new { id, ownerId }, scope.Transaction, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return false;
        }

        await AppendAsync(scope, EventTypes.AlbumDeleted, new AlbumPhotoEvent(id), ownerId, cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return true;
    }

    /// <summary>Puts one of the owner's photos into the album (first in the owner's order). Idempotent.</summary>
    public async Task<AlbumChange> AddPhotoAsync(string ownerId, Guid albumId, Guid photoId, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await LockAlbumAsync(scope, ownerId, albumId, cancellationToken) is false)
        {
            return AlbumChange.AlbumNotFound;
        }

        var photo = await PhotoStore.GetAsync(scope.Connection, scope.Transaction, photoId, "", cancellationToken);
        if (photo is null)
        {
            return AlbumChange.PhotoNotFound;
        }

        if (photo.OwnerId != ownerId)
        {
            return AlbumChange.NotYourPhoto;
        }

        var change = await AddWithinAsync(scope, outbox, AlbumEntry.Owners(ownerId, albumId), photo, time.GetUtcNow(), cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return change;
    }

    /// <summary>
    /// Takes a photo out of the owner's album: one of theirs, or a guest's (approved or still waiting, which is how a
    /// guest's photo is turned down). The photo itself stays its owner's.
    /// </summary>
    public async Task<AlbumChange> RemovePhotoAsync(string ownerId, Guid albumId, Guid photoId, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await LockAlbumAsync(scope, ownerId, albumId, cancellationToken) is false)
        {
            return AlbumChange.AlbumNotFound;
        }

        var state = await EntryStateAsync(scope, albumId, photoId, cancellationToken);
        if (state is null)
        {
            return AlbumChange.NotInAlbum;
        }

        // Announced to the album's live pages while the entry still says where the photo was shown.
        if (state == EntryStates.Approved && await PhotoStore.GetAsync(scope.Connection, scope.Transaction, photoId, "", cancellationToken) is { IsShowable: true } shown)
        {
            await AppendToAlbumAsync(scope, outbox, albumId, EventTypes.PhotoDeleted, shown, cancellationToken);
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM album_photos WHERE album_id = @albumId AND photo_id = @photoId", new { albumId, photoId }, scope.Transaction, cancellationToken: cancellationToken));

        // A cover that left the album is no longer its cover.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET cover_photo_id = CASE WHEN cover_photo_id = @photoId THEN NULL ELSE cover_photo_id END, updated_at = @now WHERE id = @albumId",
            new { albumId, photoId, now = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));
        await AppendAsync(scope, EventTypes.AlbumPhotoRemoved, new AlbumPhotoEvent(albumId, photoId), ownerId, cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return AlbumChange.Done;
    }

    /// <summary>
    /// Approves a guest's photo waiting in the owner's album: from now on the album's share links show it.
    /// <see cref="AlbumChange.Unchanged"/> when it was not waiting.
    /// </summary>
    public async Task<AlbumChange> ApprovePhotoAsync(string ownerId, Guid albumId, Guid photoId, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await LockAlbumAsync(scope, ownerId, albumId, cancellationToken) is false)
        {
            return AlbumChange.AlbumNotFound;
        }

        var state = await EntryStateAsync(scope, albumId, photoId, cancellationToken);
        if (state != EntryStates.Pending)
        {
            return state is null ? AlbumChange.NotInAlbum : AlbumChange.Unchanged;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE album_photos SET state = @approved WHERE album_id = @albumId AND photo_id = @photoId",
            new { albumId, photoId, approved = EntryStates.Approved },
            scope.Transaction,
            cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET updated_at = @now WHERE id = @albumId", new { albumId, now = time.GetUtcNow() }, scope.Transaction, cancellationToken: cancellationToken));
        await AppendAsync(scope, EventTypes.AlbumPhotoApproved, new AlbumPhotoEvent(albumId, photoId), ownerId, cancellationToken);
        if (await PhotoStore.GetAsync(scope.Connection, scope.Transaction, photoId, "", cancellationToken) is { IsShowable: true } photo)
        {
            await AppendToAlbumAsync(scope, outbox, albumId, EventTypes.PhotoReady, photo, cancellationToken);
        }

        await outbox.CommitAsync(scope, cancellationToken);
        return AlbumChange.Done;
    }

    /// <summary>
    /// Puts <paramref name="photoId"/> right after <paramref name="after"/> in the owner's order (first when null) and
    /// switches the album to that order. An album shown newest first is numbered in that order before the move, so
    /// the move is relative to what the owner saw.
    /// </summary>
    public async Task<AlbumChange> MovePhotoAsync(string ownerId, Guid albumId, Guid photoId, Guid? after, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var sortOrder = await scope.Connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            $"SELECT sort_order FROM albums WHERE id = @albumId AND owner_id = @ownerId{scope.ForUpdate}",
            new { albumId, ownerId },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (sortOrder is null)
        {
            return AlbumChange.AlbumNotFound;
        }

        if (await EntryStateAsync(scope, albumId, photoId, cancellationToken) != EntryStates.Approved)
        {
            return AlbumChange.PhotoNotFound;
        }

        if (after is { } anchor && (anchor == photoId || await EntryStateAsync(scope, albumId, anchor, cancellationToken) != EntryStates.Approved))
        {
            return AlbumChange.NotInAlbum;
        }

        if (sortOrder == AlbumOrders.Newest)
        {
            await RenumberAsync(scope, albumId, "photo_id DESC", cancellationToken);
        }

        var position = await FindSlotAsync(scope, albumId, photoId, after, cancellationToken);
        if (position is null)
        {
            // No room between the neighbours: space the whole album out again, then there is.
            await RenumberAsync(scope, albumId, "position, photo_id", cancellationToken);
            position = await FindSlotAsync(scope, albumId, photoId, after, cancellationToken);
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE album_photos SET position = @position WHERE album_id = @albumId AND photo_id = @photoId",
            new { albumId, photoId, position },
            scope.Transaction,
            cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET sort_order = @custom, updated_at = @now WHERE id = @albumId",
            new { albumId, custom = AlbumOrders.Custom, now = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));
        await AppendAsync(scope, EventTypes.AlbumReordered, new AlbumPhotoEvent(albumId, photoId), ownerId, cancellationToken);
        await outbox.CommitAsync(scope, cancellationToken);
        return AlbumChange.Done;
    }

    /// <summary>
    /// Whether <paramref name="ownerId"/> has album <paramref name="albumId"/>, locking its row for this transaction:
    /// how a registration that names an album checks it (Gallery.Api's <c>POST /internal/photos</c>).
    /// </summary>
    internal static async Task<bool> LockAlbumAsync(WriteScope scope, string ownerId, Guid albumId, CancellationToken cancellationToken) =>
        await scope.Connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            $"SELECT 1 FROM albums WHERE id = @albumId AND owner_id = @ownerId{scope.ForUpdate}",
            new { albumId, ownerId },
            scope.Transaction,
            cancellationToken: cancellationToken)) is not null;

    /// <summary>
    /// The album a guest link <paramref name="linkId"/> lets <paramref name="guestId"/> add photos to, its row locked for
    /// this transaction; <c>null</c> when the link no longer does (revoked, expired, never allowed uploads, album gone).
    /// A guest's photo waits for approval when the album asks for it; the album's owner using their own link does not.
    /// </summary>
    internal static async Task<AlbumEntry?> LockGuestAlbumAsync(WriteScope scope, string guestId, Guid linkId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var link = await scope.Connection.QuerySingleOrDefaultAsync<GuestLinkRow>(new CommandDefinition(
            $"""
            SELECT a.id AS album_id, a.owner_id, a.guest_approval, s.expires_at FROM share_links AS s JOIN albums AS a ON a.id = s.album_id
            WHERE s.id = @linkId AND s.allow_uploads = true AND s.revoked_at IS NULL{scope.ForUpdate}
            """,
            new { linkId },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (link is null || link.ExpiresAt <= now)
        {
            return null;
        }

        return new AlbumEntry(link.AlbumId, link.OwnerId, link.GuestApproval && link.OwnerId != guestId ? EntryStates.Pending : EntryStates.Approved);
    }

    /// <summary>
    /// Adds a photo (already checked to be one <paramref name="entry"/> may add) first in the album's order, with its
    /// events: <c>album.photo-added</c> for the album's owner, and for the album's live pages once it is shown there. The
    /// caller commits.
    /// </summary>
    internal static async Task<AlbumChange> AddWithinAsync(
        WriteScope scope, OutboxWriter outbox, AlbumEntry entry, Photo photo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var albumId = entry.AlbumId;
        var photoId = photo.Id;
        var inserted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO album_photos (album_id, photo_id, position, added_at, state)
            SELECT @albumId, @photoId, COALESCE(MIN(position), @gap) - @gap, @now, @state FROM album_photos WHERE album_id = @albumId
            ON CONFLICT (album_id, photo_id) DO NOTHING
            """,
            new { albumId, photoId, gap = Gap, now, state = entry.State },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return AlbumChange.Unchanged;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET updated_at = @now WHERE id = @albumId", new { albumId, now }, scope.Transaction, cancellationToken: cancellationToken));
        await outbox.AppendAsync(
            scope,
            OutboxKinds.Event,
            EventTypes.AlbumPhotoAdded,
            JsonSerializer.Serialize(new AlbumPhotoEvent(albumId, photoId, entry.State == EntryStates.Pending), ContractsJsonContext.Default.AlbumPhotoEvent),
            entry.AlbumOwnerId,
            cancellationToken);
        if (entry.State == EntryStates.Approved && photo.IsShowable)
        {
            await AppendToAlbumAsync(scope, outbox, albumId, EventTypes.PhotoReady, photo, cancellationToken);
        }

        return AlbumChange.Done;
    }

    /// <summary>The state of the photo's entry in the album (<see cref="EntryStates"/>); <c>null</c> when it is not in it.</summary>
    private static Task<string?> EntryStateAsync(WriteScope scope, Guid albumId, Guid photoId, CancellationToken cancellationToken) =>
        scope.Connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT state FROM album_photos WHERE album_id = @albumId AND photo_id = @photoId", new { albumId, photoId }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>An event of <paramref name="photo"/> for album <paramref name="albumId"/>'s live pages (its share links).</summary>
    private static Task AppendToAlbumAsync(WriteScope scope, OutboxWriter outbox, Guid albumId, string type, Photo photo, CancellationToken cancellationToken) =>
        outbox.AppendAsync(scope, OutboxKinds.Event, type, PhotoStore.AlbumEventPayload(type, photo), null, cancellationToken, albumId);

    /// <summary>The position between <paramref name="after"/> (or the start) and the next photo; null when they are adjacent.</summary>
    private static async Task<long?> FindSlotAsync(WriteScope scope, Guid albumId, Guid photoId, Guid? after, CancellationToken cancellationToken)
    {
        var bounds = await scope.Connection.QuerySingleAsync<(long? Low, long? High)>(new CommandDefinition(
            after is null
                ? "SELECT NULL AS low, MIN(position) AS high FROM album_photos WHERE album_id = @albumId AND photo_id <> @photoId"
                : """
                  SELECT anchor.position AS low,
                         (SELECT MIN(o.position) FROM album_photos AS o
                          WHERE o.album_id = @albumId AND o.photo_id <> @photoId AND o.position > anchor.position) AS high
                  FROM album_photos AS anchor WHERE anchor.album_id = @albumId AND anchor.photo_id = @after
                  """,
            new { albumId, photoId, after },
            scope.Transaction,
            cancellationToken: cancellationToken));
        return bounds switch
        {
            (null, null) => 0,
            (null, { } high) => high - Gap,
            ({ } low, null) => low + Gap,
            ({ } low, { } high) when high - low >= 2 => low + ((high - low) / 2),
            _ => null,
        };
    }

    /// <summary>Spaces the album's positions <see cref="Gap"/> apart in the order <paramref name="orderBy"/> gives.</summary>
    private static Task RenumberAsync(WriteScope scope, Guid albumId, string orderBy, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE album_photos SET position = ranked.rank * @gap
            FROM (SELECT photo_id, ROW_NUMBER() OVER (ORDER BY {orderBy}) AS rank FROM album_photos WHERE album_id = @albumId) AS ranked
            WHERE album_photos.album_id = @albumId AND album_photos.photo_id = ranked.photo_id
            """,
            new { albumId, gap = Gap },
            scope.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>The album, with its count and cover: <paramref name="ownerId"/>'s only, or anyone's when it is null.</summary>
    private static async Task<Album?> GetAsync(DbConnection connection, DbTransaction? transaction, string? ownerId, Guid id, string rowLock, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<AlbumRow>(new CommandDefinition(
            $"SELECT {AlbumColumns} FROM albums AS a WHERE a.id = @id{(ownerId is null ? "" : " AND a.owner_id = @ownerId")}{rowLock}",
            new { id, ownerId },
            transaction,
            cancellationToken: cancellationToken));
        return row is null ? null : (await WithCoversAsync(connection, transaction, [row], cancellationToken))[0];
    }

    private static async Task<IReadOnlyList<Album>> WithCoversAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<AlbumRow> rows, CancellationToken cancellationToken)
    {
        var covers = await PhotosAsync(connection, transaction, [.. rows.Where(row => row.CoverId is not null).Select(row => row.CoverId!.Value).Distinct()], cancellationToken);
        return [.. rows.Select(row => new Album(row, row.CoverId is { } cover ? covers.GetValueOrDefault(cover) : null))];
    }

    /// <summary>The photos <paramref name="ids"/> with their renditions, by id (fewer when some are gone).</summary>
    private static async Task<Dictionary<Guid, Photo>> PhotosAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var parameters = new DynamicParameters();
        var rows = (await connection.QueryAsync<PhotoRow>(new CommandDefinition(
            $"SELECT {PhotoStore.PhotoColumns} FROM photos WHERE {SqlIdList.In("id", ids, parameters)}", parameters, transaction, cancellationToken: cancellationToken))).ToList();
        return (await PhotoStore.WithRenditionsAsync(connection, transaction, rows, cancellationToken)).ToDictionary(photo => photo.Id);
    }

    private Task AppendUpdatedAsync(WriteScope scope, Album album, CancellationToken cancellationToken) =>
        outbox.AppendAsync(scope, OutboxKinds.Event, EventTypes.AlbumUpdated, JsonSerializer.Serialize(album.ToDto(), ContractsJsonContext.Default.AlbumDto), album.Row.OwnerId, cancellationToken);

    private Task AppendAsync(WriteScope scope, string type, AlbumPhotoEvent data, string ownerId, CancellationToken cancellationToken) =>
        outbox.AppendAsync(scope, OutboxKinds.Event, type, JsonSerializer.Serialize(data, ContractsJsonContext.Default.AlbumPhotoEvent), ownerId, cancellationToken);

    private sealed class GuestLinkRow
    {
        public Guid AlbumId { get; set; }

        public string OwnerId { get; set; } = "";

        public bool GuestApproval { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }
    }
}
