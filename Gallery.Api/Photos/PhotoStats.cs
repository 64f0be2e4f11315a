namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Photos per state. <see cref="Processing"/> counts photos whose thumbnail job is queued or being worked on;
/// <see cref="Failed"/> those whose job failed (a bad image, or deliveries used up).
/// </summary>
public sealed record PhotoStats(long Photos, long Public, long Processing, long Failed, long PendingApproval);
