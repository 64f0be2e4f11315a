namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// <c>GET /api/admin/stats</c>: photos per state. <see cref="Processing"/> counts photos whose thumbnail job is queued or
/// being worked on; <see cref="Failed"/> those whose job ended in the poison queue (or was refused by the worker).
/// </summary>
public sealed record PhotoStats(long Photos, long Public, long Processing, long Failed, long PendingApproval);
