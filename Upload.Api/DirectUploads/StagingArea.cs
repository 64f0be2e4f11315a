using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scrapbook.Storage;
using Scrapbook.Upload.Api.Apis;

namespace Scrapbook.Upload.Api.DirectUploads;

/// <summary>
/// Direct uploads in the staging container: the bytes a client writes through its upload URL at <c>uploads/{id}</c>,
/// and the ticket saying whose they are at <c>tickets/{owner}/{slot}</c>.
/// </summary>
/// <remarks>
/// An owner has <see cref="DirectUploadOptions.MaxOpenPerOwner"/> slots. Opening an upload creates the ticket of a free
/// slot with put-if-absent, so replicas racing for the last slot cannot both win and the limit holds exactly. The slot is
/// part of the upload id (<c>{random}-{slot}</c>), which finds the ticket without a listing; a ticket whose id differs
/// belongs to a newer upload in the same slot. Nothing here is kept in a process: any replica completes any upload.
/// </remarks>
internal sealed class StagingArea(
    [FromKeyedServices(UploadApiSettings.StagingContainer)] IBlobStore staging,
    TimeProvider time,
    IOptions<DirectUploadOptions> options)
{
    private const int MaxTicketBytes = 8 * 1024;
    private const string TicketsPrefix = "tickets/";
    private const string UploadsPrefix = "uploads/";

    private DirectUploadOptions Options => options.Value;

    /// <summary>Creates a ticket in a free slot and the URL to write the bytes to; <c>null</c> when every slot is taken.</summary>
    public async Task<(DirectUploadTicket Ticket, Uri UploadUrl)?> OpenAsync(
        string ownerId, DirectUploadRequest request, string? caption, string? author, CancellationToken cancellationToken)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in staging.ListAsync(TicketPrefix(ownerId), cancellationToken))
        {
            taken.Add(item.Key);
        }

        for (var slot = 0; slot < Options.MaxOpenPerOwner; slot++)
        {
            var key = TicketKey(ownerId, slot);
            if (taken.Contains(key))
            {
                continue;
            }

            var now = time.GetUtcNow();
            var ticket = new DirectUploadTicket(
                $"{Guid.NewGuid():N}-{slot.ToString(CultureInfo.InvariantCulture)}",
                ownerId,
                request.Size,
                request.FileName,
                caption,
                author,
                now,
                now + Options.UploadWindow,
                request.AlbumId);
            using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(ticket, UploadJsonContext.Default.DirectUploadTicket));
            if (await staging.PutIfAbsentAsync(key, json, "application/json", cancellationToken) == BlobPutOutcome.Created)
            {
                return (ticket, await staging.CreateUploadUriAsync(BlobKey(ticket.Id), ticket.ExpiresAt, cancellationToken));
            }
        }

        return null;
    }

    /// <summary>When the oldest of the owner's open uploads stops counting against the limit.</summary>
    public async Task<DateTimeOffset?> NextSlotFreeAtAsync(string ownerId, CancellationToken cancellationToken)
    {
        DateTimeOffset? oldest = null;
        await foreach (var item in staging.ListAsync(TicketPrefix(ownerId), cancellationToken))
        {
            if (oldest is null || item.Properties.LastModified < oldest)
            {
                oldest = item.Properties.LastModified;
            }
        }

        return oldest + Options.OpenFor;
    }

    /// <summary>The owner's open upload <paramref name="id"/>; <c>null</c> when there is none (never theirs, closed, or expired).</summary>
    public async Task<OpenUpload?> FindAsync(string ownerId, string id, CancellationToken cancellationToken)
    {
        if (ParseSlot(id) is not { } slot || slot >= Options.MaxOpenPerOwner)
        {
            return null;
        }

        var key = TicketKey(ownerId, slot);
        var download = await staging.OpenReadAsync(key, cancellationToken: cancellationToken);
        if (download is null)
        {
            return null;
        }

        DirectUploadTicket? ticket;
        await using (download)
        {
            if (download.Properties.Length > MaxTicketBytes)
            {
                return null;
            }

            ticket = await JsonSerializer.DeserializeAsync(download.Content, UploadJsonContext.Default.DirectUploadTicket, cancellationToken);
        }

        return ticket is not null && ticket.Id == id && ticket.OwnerId == ownerId && time.GetUtcNow() < ticket.ExpiresAt + Options.CompletionGrace
            ? new OpenUpload(ticket, key, download.Properties.ETag)
            : null;
    }

    /// <summary>Properties of what has arrived for <paramref name="upload"/>; <c>null</c> while nothing has been committed.</summary>
    public Task<BlobProperties?> GetReceivedAsync(OpenUpload upload, CancellationToken cancellationToken) =>
        staging.GetPropertiesAsync(BlobKey(upload.Ticket.Id), cancellationToken);

    /// <summary>The received bytes, only while they are still the version <paramref name="received"/> describes.</summary>
    public Task<BlobDownload?> OpenReceivedAsync(OpenUpload upload, BlobProperties received, CancellationToken cancellationToken) =>
        staging.OpenVersionAsync(BlobKey(upload.Ticket.Id), received.ETag, cancellationToken);

    /// <summary>
    /// Ends an upload, whatever became of it: the staged bytes go, then the ticket, which frees the slot. A client
    /// that writes again through its still-valid URL leaves a blob with no ticket, which the sweeper removes.
    /// </summary>
    public async Task CloseAsync(OpenUpload upload, CancellationToken cancellationToken)
    {
        await staging.DeleteAsync(BlobKey(upload.Ticket.Id), cancellationToken);
        await staging.DeleteIfUnchangedAsync(upload.TicketKey, upload.TicketETag, cancellationToken);
    }

    /// <summary>
    /// Removes tickets and staged blobs older than <see cref="DirectUploadOptions.OpenFor"/>: uploads nobody completed,
    /// and bytes written again after a completion or refusal. Returns how many blobs it deleted.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - Options.OpenFor;
        var removed = 0;
        foreach (var prefix in (string[])[TicketsPrefix, UploadsPrefix])
        {
            var expired = new List<BlobItem>();
            await foreach (var item in staging.ListAsync(prefix, cancellationToken))
            {
                if (item.Properties.LastModified < cutoff)
                {
                    expired.Add(item);
                }
            }

            foreach (var item in expired)
            {
                // Conditional: another replica's sweep, or a new upload in a freed slot, may have replaced it since the listing.
                if (await staging.DeleteIfUnchangedAsync(item.Key, item.Properties.ETag, cancellationToken))
                {
                    removed++;
                }
            }
        }

        return removed;
    }

    internal static string BlobKey(string id) => UploadsPrefix + id;

    private static string TicketPrefix(string ownerId) => $"{TicketsPrefix}{ownerId}/";

    private static string TicketKey(string ownerId, int slot) => TicketPrefix(ownerId) + slot.ToString(CultureInfo.InvariantCulture);

    /// <summary>The slot of a well-formed id (32 lowercase hex digits, '-', the slot number); <c>null</c> for anything else.</summary>
    private static int? ParseSlot(string id) =>
        id.Length is > 33 and <= 36
        && id[32] == '-'
        && id.AsSpan(0, 32).ContainsAnyExcept("0123456789abcdef") is false
        && int.TryParse(id.AsSpan(33), NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
        && slot.ToString(CultureInfo.InvariantCulture) == id[33..]
            ? slot
            : null;
}

/// <summary>An open upload as found, with the ticket's key and ETag so closing it never deletes a newer ticket in the same slot.</summary>
internal sealed record OpenUpload(DirectUploadTicket Ticket, string TicketKey, string TicketETag);
