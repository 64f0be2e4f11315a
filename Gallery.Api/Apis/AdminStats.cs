namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// <c>GET /api/admin/stats</c>: photos per state from the database, and the thumbnail queue's approximate message counts
/// (jobs waiting or being worked on, and jobs given up on in the dead-letter or poison queue) from the queue service itself:
/// <c>null</c> when the queue service would not say (Service Bus answers counts only to an identity allowed to manage it).
/// </summary>
public sealed record AdminStats(
    long Photos,
    long Public,
    long Processing,
    long Failed,
    long PendingApproval,
    long? QueuedJobs,
    long? PoisonedJobs);
