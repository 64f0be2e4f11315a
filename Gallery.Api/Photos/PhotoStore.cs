using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Albums;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Outbox;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>What <see cref="PhotoStore.RegisterAsync"/> did.</summary>
internal enum RegisterOutcome
{
    Created,
    Existing,
    UploadsClosed,
    QuotaExceeded,

    /// <summary>The request named an album the owner does not have; nothing was registered.</summary>
    AlbumNotFound,

    /// <summary>The request came through a guest link that no longer lets anyone add photos (revoked, expired, album gone); nothing was registered.</summary>
    LinkNotFound,
}

/// <summary>A photo deleted, and whether it was the last one that used its content (so its blobs may go too).</summary>
internal sealed record DeletedPhoto(Photo Photo, bool LastUseOfContent);

/// <summary>
/// Every read and write of photos, renditions, settings and the outbox: the one data-access layer, with the same
/// SQL on SQLite and PostgreSQL. A state change and the outbox rows announcing it commit in one transaction,
/// and the relay is woken after the commit. On PostgreSQL writers run side by side: one that reads a row to
/// change it locks the row first, so concurrent writes of one photo take turns and writes of different ones do not.
/// </summary>
internal sealed class PhotoStore(GalleryDatabase database, OutboxWriter outbox, TimeProvider time, IOptions<QuotaOptions> quota)
{
    internal const string PhotoColumns =
        "id, owner_id, sha256, format, length, width, height, status, moderation, caption, author, placeholder, failure_reason, created_at, source_url, source_title, on_wall, classification";

    /// <summary>The wall's photos (<see cref="Photo.IsPublic"/>); a guest's photo stays in its album.</summary>
    private const string PublicFilter = "status = 'ready' AND moderation = 'approved' AND on_wall = true";

    public async Task<(RegisterOutcome Outcome, Photo? Photo)> RegisterAsync(RegisterPhotoRequest request, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await LockContentAsync(scope, request.Sha256, cancellationToken);

        // After the content lock, as deleting a photo takes them (it may clear an album's cover).
        AlbumEntry? entry = null;
        if (request.ShareLinkId is { } linkId)
        {
            if (await AlbumStore.LockGuestAlbumAsync(scope, request.OwnerId, linkId, time.GetUtcNow(), cancellationToken) is not { } guestEntry)
            {
                return (RegisterOutcome.LinkNotFound, null);
            }

            entry = guestEntry;
        }
        else if (request.AlbumId is { } albumId)
        {
            if (!await AlbumStore.LockAlbumAsync(scope, request.OwnerId, albumId, cancellationToken))
            {
                return (RegisterOutcome.AlbumNotFound, null);
            }

            entry = AlbumEntry.Owners(request.OwnerId, albumId);
        }

        var existing = await FindByContentAsync(scope, request.OwnerId, request.Sha256, cancellationToken);

        // Shared: registrations do not wait for each other, but closing uploads waits for those under way.
        var settings = await ReadSettingsAsync(scope.Connection, scope.Transaction, scope.ForShare, cancellationToken);
        if (existing is not null)
        {
            var changed = false;

            // Sending the same bytes again after they failed is a retry: render them once more.
            if (existing.Status == PhotoStatus.Failed && settings.UploadsOpen)
            {
                existing.Row.Status = PhotoStates.Processing;
                existing.Row.FailureReason = null;
                await scope.Connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE photos SET status = @Status, failure_reason = NULL WHERE id = @Id", existing.Row, scope.Transaction, cancellationToken: cancellationToken));
                await AppendJobAsync(scope, existing.Row, Classify(existing.Row, settings), cancellationToken);
                changed = true;
            }

            // Sending bytes one already has into an album puts that photo there.
            if (entry is not null)
            {
                changed |= await AlbumStore.AddWithinAsync(scope, outbox, entry, existing, time.GetUtcNow(), cancellationToken) == AlbumChange.Done;
            }

            if (changed)
            {
                await CommitAsync(scope, cancellationToken);
            }

            return (RegisterOutcome.Existing, existing);
        }

        if (!settings.UploadsOpen)
        {
            return (RegisterOutcome.UploadsClosed, null);
        }

        if (await ExceedsQuotaAsync(scope, request, cancellationToken))
        {
            return (RegisterOutcome.QuotaExceeded, null);
        }

        var row = new PhotoRow
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OwnerId = request.OwnerId,
            Sha256 = request.Sha256,
            Format = request.Format,
            Length = request.Length,
            Width = request.Width,
            Height = request.Height,
            Status = PhotoStates.Processing,
            Moderation = ModerationModes.HoldsNewPhotos(settings.Moderation) ? PhotoStates.Pending : PhotoStates.Approved,
            Caption = request.Caption,
            Author = request.Author,
            CreatedAt = time.GetUtcNow(),
            SourceUrl = request.Source?.Url,
            SourceTitle = request.Source?.Title,

            // What a guest sends through a guest link is for that album's wall, not the site's.
            OnWall = request.ShareLinkId is null,
        };

        // The content lock already orders registrations of these bytes; ON CONFLICT keeps the unique key the last word regardless.
        var inserted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO photos ({PhotoColumns}) VALUES (@Id, @OwnerId, @Sha256, @Format, @Length, @Width, @Height, @Status, @Moderation, @Caption, @Author, @Placeholder, @FailureReason, @CreatedAt, @SourceUrl, @SourceTitle, @OnWall, @Classification) ON CONFLICT (owner_id, sha256) DO NOTHING",
            row,
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            existing = await FindByContentAsync(scope, request.OwnerId, request.Sha256, cancellationToken);
            return (RegisterOutcome.Existing, existing);
        }

        await AppendJobAsync(scope, row, Classify(row, settings), cancellationToken);
        if (entry is not null)
        {
            await AlbumStore.AddWithinAsync(scope, outbox, entry, new Photo(row, []), row.CreatedAt, cancellationToken);
        }

        await CommitAsync(scope, cancellationToken);
        return (RegisterOutcome.Created, new Photo(row, []));
    }

    /// <summary>
    /// Whether one more photo of <paramref name="request"/>'s size would take its owner past the quota. Under a lock
    /// on the owner, so two uploads of one owner at once cannot both squeeze under the limit.
    /// </summary>
    private async Task<bool> ExceedsQuotaAsync(WriteScope scope, RegisterPhotoRequest request, CancellationToken cancellationToken)
    {
        var limits = quota.Value;
        if (!limits.IsOn)
        {
            return false;
        }

        await scope.LockAsync("owner:" + request.OwnerId, cancellationToken);
        var usage = await scope.Connection.QuerySingleAsync<OwnerUsage>(new CommandDefinition(
            "SELECT COUNT(*) AS Photos, CAST(COALESCE(SUM(length), 0) AS BIGINT) AS Bytes FROM photos WHERE owner_id = @OwnerId",
            new { request.OwnerId }, scope.Transaction, cancellationToken: cancellationToken));
        return usage.Photos + 1 > limits.MaxPhotosPerOwner || usage.Bytes + request.Length > limits.MaxBytesPerOwner;
    }

    public async Task<Photo?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, rowLock: "", cancellationToken);
    }

    /// <summary>Ready and approved photos, newest first (ids are UUIDv7, so id order is creation order), before <paramref name="before"/>.</summary>
    public Task<IReadOnlyList<Photo>> ListPublicAsync(Guid? before, int limit, CancellationToken cancellationToken = default) =>
        ListAsync(PublicFilter, new DynamicParameters(), before, limit, cancellationToken);

    /// <summary>Every photo of one owner in every state, newest first.</summary>
    public Task<IReadOnlyList<Photo>> ListByOwnerAsync(string ownerId, Guid? before, int limit, CancellationToken cancellationToken = default)
    {
        var parameters = new DynamicParameters();
        parameters.Add("OwnerId", ownerId);
        return ListAsync("owner_id = @OwnerId", parameters, before, limit, cancellationToken);
    }

    /// <summary>The owner's photo of these bytes (SHA-256, lowercase hex), as a list of one or none.</summary>
    public Task<IReadOnlyList<Photo>> ListByOwnerAndContentAsync(string ownerId, string sha256, Guid? before, int limit, CancellationToken cancellationToken = default)
    {
        var parameters = new DynamicParameters();
        parameters.Add("OwnerId", ownerId);
        parameters.Add("Sha256", sha256);
        return ListAsync("owner_id = @OwnerId AND sha256 = @Sha256", parameters, before, limit, cancellationToken);
    }

    /// <summary>Photos waiting for a moderator, newest first.</summary>
    public Task<IReadOnlyList<Photo>> ListPendingModerationAsync(Guid? before, int limit, CancellationToken cancellationToken = default) =>
        ListAsync("moderation = 'pending' AND status <> 'failed'", new DynamicParameters(), before, limit, cancellationToken);

    /// <summary>Photos per state: every photo, the public ones, those waiting for the worker, failed, and awaiting a moderator.</summary>
    public async Task<PhotoStats> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleAsync<PhotoStats>(new CommandDefinition(
            $"""
            SELECT COUNT(*) AS Photos,
                   COALESCE(SUM(CASE WHEN {PublicFilter} THEN 1 ELSE 0 END), 0) AS Public,
                   COALESCE(SUM(CASE WHEN status = 'processing' THEN 1 ELSE 0 END), 0) AS Processing,
                   COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS Failed,
                   COALESCE(SUM(CASE WHEN moderation = 'pending' AND status = 'ready' THEN 1 ELSE 0 END), 0) AS PendingApproval
            FROM photos
            """,
            cancellationToken: cancellationToken));
    }

    /// <summary>Sets caption and author (null leaves a field as it is, an empty string clears it); null when there is no such photo.</summary>
    public async Task<Photo?> UpdateAsync(Guid id, string? caption, string? author, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var photo = await GetForUpdateAsync(scope, id, cancellationToken);
        if (photo is null)
        {
            return null;
        }

        photo.Row.Caption = caption is null ? photo.Row.Caption : NullIfEmpty(caption);
        photo.Row.Author = author is null ? photo.Row.Author : NullIfEmpty(author);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE photos SET caption = @Caption, author = @Author WHERE id = @Id", photo.Row, scope.Transaction, cancellationToken: cancellationToken));
        await AppendPhotoEventAsync(scope, EventTypes.PhotoUpdated, photo, ownerOnly: !photo.IsPublic, cancellationToken);
        if (photo.IsShowable)
        {
            await AppendToAlbumsAsync(scope, EventTypes.PhotoUpdated, photo, cancellationToken);
        }

        await CommitAsync(scope, cancellationToken);
        return photo;
    }

    public async Task<DeletedPhoto?> DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);

        // The content lock before the row lock, in the order registration takes them. A photo's bytes never change,
        // so reading them unlocked is safe; the photo itself is read again under its lock.
        var sha256 = await scope.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT sha256 FROM photos WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        if (sha256 is null)
        {
            return null;
        }

        await LockContentAsync(scope, sha256, cancellationToken);
        var photo = await GetForUpdateAsync(scope, id, cancellationToken);
        if (photo is null)
        {
            return null;
        }

        // Before the delete takes it out of its albums.
        if (photo.IsShowable)
        {
            await AppendToAlbumsAsync(scope, EventTypes.PhotoDeleted, photo, cancellationToken);
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM renditions WHERE photo_id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM photos WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        var remaining = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM photos WHERE sha256 = @Sha256", new { photo.Row.Sha256 }, scope.Transaction, cancellationToken: cancellationToken));

        // Only a photo the public could see is announced publicly; otherwise only its owner's pages need to know.
        var payload = JsonSerializer.Serialize(new PhotoDeletedEvent(id), ContractsJsonContext.Default.PhotoDeletedEvent);
        await AppendAsync(scope, OutboxKinds.Event, EventTypes.PhotoDeleted, payload, photo.IsPublic ? null : photo.OwnerId, cancellationToken);
        await CommitAsync(scope, cancellationToken);
        return new DeletedPhoto(photo, remaining == 0);
    }

    /// <summary>
    /// Which of <paramref name="sha256s"/> (SHA-256, lowercase hex) at least one photo uses, in any state: one query for
    /// the whole batch, so a clean-up of a large store checks a listing page at a time.
    /// </summary>
    public async Task<IReadOnlySet<string>> FindUsedContentAsync(IReadOnlyList<string> sha256s, CancellationToken cancellationToken = default)
    {
        if (sha256s.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var parameters = new DynamicParameters();
        var filter = SqlIdList.In("sha256", sha256s, parameters, "sha");
        await using var connection = await database.OpenAsync(cancellationToken);
        var used = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT DISTINCT sha256 FROM photos WHERE {filter}", parameters, cancellationToken: cancellationToken));
        return used.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends a thumbnail job again for every photo of <paramref name="sha256s"/> that is being or has been rendered, after
    /// their renditions were deleted: a photo of those bytes registered while they were being deleted may have been
    /// made ready with renditions that are gone now. The worker stores what is missing; for a photo already ready its
    /// report changes nothing else. Returns how many photos were queued.
    /// </summary>
    public async Task<int> RenderAgainAsync(IReadOnlyList<string> sha256s, CancellationToken cancellationToken = default)
    {
        if (sha256s.Count == 0)
        {
            return 0;
        }

        // Read outside the write transaction: nearly always there is nothing to do, and on SQLite a write transaction
        // waits for every other writer. A photo deleted after this read gets a job the worker finds has no photo.
        var parameters = new DynamicParameters();
        var filter = SqlIdList.In("sha256", sha256s, parameters, "sha");
        List<PhotoRow> rows;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            rows = [.. await connection.QueryAsync<PhotoRow>(new CommandDefinition(
                $"SELECT {PhotoColumns} FROM photos WHERE {filter} AND status <> 'failed'", parameters, cancellationToken: cancellationToken))];
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var settings = await ReadSettingsAsync(scope.Connection, scope.Transaction, rowLock: "", cancellationToken);
        foreach (var row in rows)
        {
            await AppendJobAsync(scope, row, Classify(row, settings), cancellationToken);
        }

        await CommitAsync(scope, cancellationToken);
        return rows.Count;
    }

    /// <summary>
    /// Stores the renditions and makes the photo ready. Idempotent: for a photo already ready nothing changes and
    /// no second event is written. Null when there is no such photo.
    /// </summary>
    public async Task<Photo?> CompleteRenditionsAsync(Guid id, RenditionsCompletedRequest request, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var photo = await GetForUpdateAsync(scope, id, cancellationToken);
        if (photo is null || photo.Status == PhotoStatus.Ready)
        {
            return photo;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM renditions WHERE photo_id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        var renditions = request.Renditions.Select(r => new RenditionRow
        {
            PhotoId = id,
            Preset = r.Preset,
            BlobKey = r.Key,
            ContentType = r.ContentType,
            Width = r.Width,
            Height = r.Height,
            Length = r.Length,
        }).ToList();
        foreach (var rendition in renditions)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO renditions (photo_id, preset, blob_key, content_type, width, height, length) VALUES (@PhotoId, @Preset, @BlobKey, @ContentType, @Width, @Height, @Length)",
                rendition,
                scope.Transaction,
                cancellationToken: cancellationToken));
        }

        photo.Row.Status = PhotoStates.Ready;
        photo.Row.FailureReason = null;
        photo.Row.Width = request.Width;
        photo.Row.Height = request.Height;
        photo.Row.Placeholder = request.Placeholder;
        ApplyVerdict(photo.Row, request.Classification);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE photos SET status = @Status, failure_reason = NULL, width = @Width, height = @Height, placeholder = @Placeholder, moderation = @Moderation, classification = @Classification WHERE id = @Id",
            photo.Row,
            scope.Transaction,
            cancellationToken: cancellationToken));

        var ready = photo with { Renditions = renditions };
        if (ready.Moderation == ModerationState.Approved)
        {
            await AppendPhotoEventAsync(scope, EventTypes.PhotoReady, ready, ownerOnly: !ready.IsPublic, cancellationToken);
            await AppendToAlbumsAsync(scope, EventTypes.PhotoReady, ready, cancellationToken);
        }
        else if (ready.Moderation == ModerationState.Pending)
        {
            await AppendPhotoEventAsync(scope, EventTypes.PhotoPendingApproval, ready, ownerOnly: true, cancellationToken);
        }
        else
        {
            // Rejected by the classifier: its owner sees it ready but not public; nobody else hears of it.
            await AppendPhotoEventAsync(scope, EventTypes.PhotoUpdated, ready, ownerOnly: true, cancellationToken);
        }

        await CommitAsync(scope, cancellationToken);
        return ready;
    }

    /// <summary>
    /// The automatic moderation step: a photo waiting for the classifier (pending, no verdict yet) takes its verdict.
    /// Allow approves it; hold leaves it pending for a moderator, who sees the verdict in the queue; reject rejects it. A
    /// verdict for a photo that waits for nothing (a moderator decided first, or moderation was not <c>auto</c>) is kept
    /// for the record and changes nothing.
    /// </summary>
    private static void ApplyVerdict(PhotoRow row, PhotoClassification? classification)
    {
        if (classification is null || row.Classification is not null)
        {
            return;
        }

        row.Classification = JsonSerializer.Serialize(classification, ContractsJsonContext.Default.PhotoClassification);
        if (row.Moderation == PhotoStates.Pending)
        {
            row.Moderation = classification.Verdict switch
            {
                ClassifierVerdict.Allow => PhotoStates.Approved,
                ClassifierVerdict.Reject => PhotoStates.Rejected,
                _ => PhotoStates.Pending,
            };
        }
    }

    /// <summary>
    /// Marks a photo failed with a reason (owner-only event). Idempotent, and a ready photo stays ready: a late
    /// report from a redelivered job does not undo renditions that exist. Null when there is no such photo.
    /// </summary>
    public async Task<Photo?> FailAsync(Guid id, string reason, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var photo = await GetForUpdateAsync(scope, id, cancellationToken);
        if (photo is null || photo.Status != PhotoStatus.Processing)
        {
            return photo;
        }

        photo.Row.Status = PhotoStates.Failed;
        photo.Row.FailureReason = reason;
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE photos SET status = @Status, failure_reason = @FailureReason WHERE id = @Id", photo.Row, scope.Transaction, cancellationToken: cancellationToken));
        await AppendPhotoEventAsync(scope, EventTypes.PhotoFailed, photo, ownerOnly: true, cancellationToken);
        await CommitAsync(scope, cancellationToken);
        return photo;
    }

    /// <summary>Approves or rejects a photo; a ready photo that becomes approved goes public (<c>photo.ready</c>).</summary>
    public async Task<Photo?> ModerateAsync(Guid id, bool approve, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var photo = await GetForUpdateAsync(scope, id, cancellationToken);
        var target = approve ? PhotoStates.Approved : PhotoStates.Rejected;
        if (photo is null || photo.Row.Moderation == target)
        {
            return photo;
        }

        var wasPublic = photo.IsPublic;
        var wasShowable = photo.IsShowable;
        photo.Row.Moderation = target;
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE photos SET moderation = @Moderation WHERE id = @Id", photo.Row, scope.Transaction, cancellationToken: cancellationToken));
        if (approve)
        {
            // Before the photo.ready it may lead to: an integration hears why the photo went public.
            await AppendPhotoEventAsync(scope, EventTypes.PhotoApproved, photo, ownerOnly: true, cancellationToken);
        }

        if (photo.IsShowable != wasShowable)
        {
            await AppendToAlbumsAsync(scope, photo.IsShowable ? EventTypes.PhotoReady : EventTypes.PhotoDeleted, photo, cancellationToken);
        }

        if (photo.IsPublic)
        {
            await AppendPhotoEventAsync(scope, EventTypes.PhotoReady, photo, ownerOnly: false, cancellationToken);
        }
        else if (wasPublic)
        {
            // Taken off the wall: public pages drop it as they would a deleted photo.
            var payload = JsonSerializer.Serialize(new PhotoDeletedEvent(id), ContractsJsonContext.Default.PhotoDeletedEvent);
            await AppendAsync(scope, OutboxKinds.Event, EventTypes.PhotoDeleted, payload, null, cancellationToken);
        }
        else
        {
            await AppendPhotoEventAsync(scope, EventTypes.PhotoUpdated, photo, ownerOnly: true, cancellationToken);
        }

        await CommitAsync(scope, cancellationToken);
        return photo;
    }

    public async Task<SettingsDto> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadSettingsAsync(connection, null, rowLock: "", cancellationToken);
    }

    public async Task<SettingsDto> UpdateSettingsAsync(SettingsDto settings, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE settings SET uploads_open = @UploadsOpen, moderation = @Moderation WHERE id = 1", settings, scope.Transaction, cancellationToken: cancellationToken));
        await AppendAsync(scope, OutboxKinds.Event, EventTypes.SettingsChanged, JsonSerializer.Serialize(settings, ContractsJsonContext.Default.SettingsDto), null, cancellationToken);
        await CommitAsync(scope, cancellationToken);
        return settings;
    }

    /// <summary>
    /// Events with a sequence greater than <paramref name="after"/>, in sequence order, sent or not. Committed rows the
    /// relay has not numbered yet are numbered first, so an event committed before the call is listed (within
    /// <paramref name="limit"/>) even if the relay has not come round to it.
    /// </summary>
    public async Task<IReadOnlyList<EventEnvelope>> ListEventsAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        await NumberCommittedAsync(limit, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxRow>(new CommandDefinition(
            "SELECT sequence, kind, type, payload, owner_id, traceparent, album_id FROM outbox WHERE kind = 'event' AND sequence > @after ORDER BY sequence LIMIT @limit",
            new { after, limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new EventEnvelope(r.Sequence, r.Type, r.OwnerId, r.Payload, r.Traceparent, r.AlbumId))];
    }

    /// <summary>
    /// Numbers the committed rows that have no sequence yet (up to <paramref name="limit"/> of them), then returns the
    /// oldest unsent rows, in sequence order: the relay sends under the sequences given here.
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> ListUnsentAsync(int limit, CancellationToken cancellationToken = default)
    {
        await NumberCommittedAsync(limit, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<OutboxRow>(new CommandDefinition(
            "SELECT sequence, kind, type, payload, owner_id, traceparent, album_id FROM outbox WHERE sent_at IS NULL AND sequence IS NOT NULL ORDER BY sequence LIMIT @limit",
            new { limit },
            cancellationToken: cancellationToken));
        return [.. rows];
    }

    public async Task MarkSentAsync(long sequence, CancellationToken cancellationToken = default)
    {
        // A plain autocommit update: only a relay marks rows sent, and sending one twice is harmless.
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET sent_at = @now WHERE sequence = @sequence AND sent_at IS NULL",
            new { sequence, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    /// <summary>Deletes sent outbox rows written before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> PruneSentAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        // Sequences are never given again after a delete: the highest given is kept apart, in outbox_head. Rows webhooks
        // have not made their messages from yet are kept, however old (with no endpoint enabled, none will be).
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM outbox WHERE sent_at IS NOT NULL AND created_at < @cutoff
              AND (sequence <= (SELECT sequence FROM webhook_cursor WHERE id = 1) OR NOT EXISTS (SELECT 1 FROM webhooks WHERE enabled = true))
            """,
            new { cutoff },
            cancellationToken: cancellationToken));
    }

    private async Task<IReadOnlyList<Photo>> ListAsync(string filter, DynamicParameters parameters, Guid? before, int limit, CancellationToken cancellationToken)
    {
        parameters.Add("Limit", limit);
        if (before is { } cursor)
        {
            parameters.Add("Before", cursor);
            filter += " AND id < @Before";
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PhotoRow>(new CommandDefinition(
            $"SELECT {PhotoColumns} FROM photos WHERE {filter} ORDER BY id DESC LIMIT @Limit", parameters, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        var renditions = await connection.QueryAsync<RenditionRow>(new CommandDefinition(
            $"SELECT photo_id, preset, blob_key, content_type, width, height, length FROM renditions WHERE photo_id IN (SELECT id FROM photos WHERE {filter} ORDER BY id DESC LIMIT @Limit)",
            parameters,
            cancellationToken: cancellationToken));
        var byPhoto = renditions.ToLookup(r => r.PhotoId);
        return [.. rows.Select(row => new Photo(row, [.. byPhoto[row.Id]]))];
    }

    /// <summary><paramref name="rows"/> with their renditions, in the same order (one query for all of them).</summary>
    internal static async Task<IReadOnlyList<Photo>> WithRenditionsAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyList<PhotoRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var parameters = new DynamicParameters();
        var ids = SqlIdList.In("photo_id", [.. rows.Select(row => row.Id)], parameters);
        var renditions = await connection.QueryAsync<RenditionRow>(new CommandDefinition(
            $"SELECT photo_id, preset, blob_key, content_type, width, height, length FROM renditions WHERE {ids}",
            parameters,
            transaction,
            cancellationToken: cancellationToken));
        var byPhoto = renditions.ToLookup(r => r.PhotoId);
        return [.. rows.Select(row => new Photo(row, [.. byPhoto[row.Id]]))];
    }

    private static Task<Photo?> GetForUpdateAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        GetAsync(scope.Connection, scope.Transaction, id, scope.ForUpdate, cancellationToken);

    internal static async Task<Photo?> GetAsync(DbConnection connection, DbTransaction? transaction, Guid id, string rowLock, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PhotoRow>(new CommandDefinition(
            $"SELECT {PhotoColumns} FROM photos WHERE id = @id{rowLock}", new { id }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var renditions = await connection.QueryAsync<RenditionRow>(new CommandDefinition(
            "SELECT photo_id, preset, blob_key, content_type, width, height, length FROM renditions WHERE photo_id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        return new Photo(row, [.. renditions]);
    }

    private static async Task<Photo?> FindByContentAsync(WriteScope scope, string ownerId, string sha256, CancellationToken cancellationToken)
    {
        var id = await scope.Connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM photos WHERE owner_id = @ownerId AND sha256 = @sha256", new { ownerId, sha256 }, scope.Transaction, cancellationToken: cancellationToken));
        return id is { } existing ? await GetForUpdateAsync(scope, existing, cancellationToken) : null;
    }

    private static async Task<SettingsDto> ReadSettingsAsync(DbConnection connection, DbTransaction? transaction, string rowLock, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition(
            $"SELECT uploads_open, moderation FROM settings WHERE id = 1{rowLock}", transaction: transaction, cancellationToken: cancellationToken));
        return new SettingsDto(row.UploadsOpen, row.Moderation);
    }

    /// <summary>Whether the worker should ask the classifier: moderation is <c>auto</c> and the photo still waits for a verdict.</summary>
    private static bool Classify(PhotoRow row, SettingsDto settings) =>
        settings.Moderation == ModerationModes.Auto && row.Moderation == PhotoStates.Pending && row.Classification is null;

    private Task AppendJobAsync(WriteScope scope, PhotoRow row, bool classify, CancellationToken cancellationToken)
    {
        var activity = Activity.Current;
        var job = new ThumbnailJob(row.Id, row.Sha256, BlobKeys.Original(row.Sha256), activity?.Id, activity?.TraceStateString, classify);
        return AppendAsync(scope, OutboxKinds.Job, OutboxKinds.ThumbnailRequested, JsonSerializer.Serialize(job, ContractsJsonContext.Default.ThumbnailJob), row.OwnerId, cancellationToken);
    }

    private Task AppendPhotoEventAsync(WriteScope scope, string type, Photo photo, bool ownerOnly, CancellationToken cancellationToken) =>
        AppendAsync(scope, OutboxKinds.Event, type, JsonSerializer.Serialize(photo.ToDto(includeFailureReason: ownerOnly), ContractsJsonContext.Default.PhotoDto), ownerOnly ? photo.OwnerId : null, cancellationToken);

    private Task AppendAsync(WriteScope scope, string kind, string type, string payload, string? ownerId, CancellationToken cancellationToken) =>
        outbox.AppendAsync(scope, kind, type, payload, ownerId, cancellationToken);

    /// <summary>The event <paramref name="type"/> of <paramref name="photo"/> for the live pages of every album that shows it.</summary>
    private Task AppendToAlbumsAsync(WriteScope scope, string type, Photo photo, CancellationToken cancellationToken) =>
        outbox.AppendToAlbumsOfAsync(scope, type, AlbumEventPayload(type, photo), photo.Id, cancellationToken);

    /// <summary>What an album's event carries: the photo as anyone may see it, or only its id when it left.</summary>
    internal static string AlbumEventPayload(string type, Photo photo) => type == EventTypes.PhotoDeleted
        ? JsonSerializer.Serialize(new PhotoDeletedEvent(photo.Id), ContractsJsonContext.Default.PhotoDeletedEvent)
        : JsonSerializer.Serialize(photo.ToDto(), ContractsJsonContext.Default.PhotoDto);

    /// <summary>
    /// Registering and deleting photos of the same bytes take turns: a delete that finds no other photo using them
    /// (and so deletes their blobs) never overlaps a registration that is about to use them.
    /// </summary>
    private static Task LockContentAsync(WriteScope scope, string sha256, CancellationToken cancellationToken) =>
        scope.LockAsync("content:" + sha256, cancellationToken);

    /// <summary>
    /// Gives committed outbox rows without a sequence the next sequences, in id order. Writers do not number their
    /// rows: a transaction that took id 5 may commit after one that took 6, and had 5 and 6 been the sequences, the
    /// relay could send 6 first and then see 5 refused by Redis as already sent. Here the statement sees committed
    /// rows only and numbers them above every sequence given before, so a row is never numbered below one a relay
    /// may have sent, and the stream, the SSE event ids and the replay all follow the order rows became visible.
    /// Causal order holds too: a write that began after another committed took a larger id, so it is numbered
    /// after it, in the same batch or a later one. Relays and replays of several replicas may number at once: they
    /// take turns on the numbering lock, which writers never take. The rows need no FOR UPDATE: only a holder of
    /// that lock changes a row without a sequence (writers insert, pruning deletes sent rows).
    /// </summary>
    private async Task NumberCommittedAsync(int limit, CancellationToken cancellationToken)
    {
        // Most calls find nothing to number (a poll, a replay): they need not queue for the lock, nor on SQLite take
        // the write lock. A row committed just after this look is numbered by the next call.
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE sequence IS NULL)", cancellationToken: cancellationToken)))
            {
                return;
            }
        }

        await using var scope = await database.BeginOutboxNumberingAsync(cancellationToken);
        var numbered = await scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE outbox
            SET sequence = numbered.sequence
            FROM (
                SELECT pending.id, head.sequence + ROW_NUMBER() OVER (ORDER BY pending.id) AS sequence
                FROM outbox AS pending CROSS JOIN outbox_head AS head
                WHERE pending.sequence IS NULL
                ORDER BY pending.id
                LIMIT @limit
            ) AS numbered
            WHERE outbox.id = numbered.id
            """,
            new { limit },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (numbered > 0)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox_head SET sequence = sequence + @numbered WHERE id = 1", new { numbered }, scope.Transaction, cancellationToken: cancellationToken));
        }

        await scope.CommitAsync(cancellationToken);
    }

    private Task CommitAsync(WriteScope scope, CancellationToken cancellationToken) => outbox.CommitAsync(scope, cancellationToken);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private sealed class SettingsRow
    {
        public bool UploadsOpen { get; set; }

        public string Moderation { get; set; } = "";
    }
}

/// <summary>What one owner keeps: photos in any state and the bytes of their originals.</summary>
internal sealed record OwnerUsage(long Photos, long Bytes);
