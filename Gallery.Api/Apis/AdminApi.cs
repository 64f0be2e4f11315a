using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>Admin endpoints (<c>X-Admin-Key</c>): settings and the moderation queue.</summary>
internal static partial class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Admin")
            .RequireAuthorization(ScrapbookPolicies.Admin);
        admin.MapGet("/settings", GetSettings).WithName(nameof(GetSettings)).WithSummary("Get the settings");
        admin.MapPut("/settings", UpdateSettings).WithName(nameof(UpdateSettings)).WithSummary("Change the settings")
            .WithDescription("Open or close uploads and choose the moderation mode: `off` (photos are public once rendered), `pre` (a moderator approves each) or `auto` (a classifier looks at each rendition; what it holds waits for a moderator).")
            .ProducesProblems(ProblemTypes.Malformed);
        admin.MapGet("/stats", GetStats).WithName(nameof(GetStats)).WithSummary("Count photos by state and queued jobs");
        admin.MapGet("/moderation", ListModerationQueue).WithName(nameof(ListModerationQueue)).WithSummary("List photos awaiting approval, with the classifier's verdict")
            .ProducesProblems(ProblemTypes.Malformed);
        admin.MapPost("/moderation/{id:guid}/approve", ApprovePhoto).WithName(nameof(ApprovePhoto)).WithSummary("Approve a held photo")
            .ProducesProblems(ProblemTypes.NotFound);
        admin.MapPost("/moderation/{id:guid}/reject", RejectPhoto).WithName(nameof(RejectPhoto)).WithSummary("Reject a held photo")
            .ProducesProblems(ProblemTypes.NotFound);
        return app;
    }

    public static async Task<Ok<SettingsDto>> GetSettings(PhotoStore store, CancellationToken cancellationToken = default) =>
        TypedResults.Ok(await store.GetSettingsAsync(cancellationToken));

    /// <summary>How many photos there are in each state and how many thumbnail jobs are queued or poisoned, for the admin page's counts.</summary>
    public static async Task<Ok<AdminStats>> GetStats(PhotoStore store, IJobQueue queue, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var jobs = queue.GetApproximateCountsAsync(cancellationToken);
        var photos = await store.CountAsync(cancellationToken);
        QueueCounts? counts = null;
        try
        {
            counts = await jobs;
        }
        catch (InvalidOperationException exception)
        {
            // The page still shows the photo counts; the log says why the job counts are missing.
            LogQueueCountsUnavailable(loggers.CreateLogger(typeof(AdminApi)), exception);
        }

        return TypedResults.Ok(new AdminStats(photos.Photos, photos.Public, photos.Processing, photos.Failed, photos.PendingApproval, counts?.Messages, counts?.DeadLettered));
    }

    public static async Task<Results<Ok<SettingsDto>, ProblemHttpResult>> UpdateSettings(
        SettingsDto settings, PhotoStore store, CancellationToken cancellationToken = default)
    {
        if (!ModerationModes.IsValid(settings.Moderation))
        {
            return Problems.Malformed($"moderation must be '{ModerationModes.Off}', '{ModerationModes.Pre}' or '{ModerationModes.Auto}'.");
        }

        return TypedResults.Ok(await store.UpdateSettingsAsync(settings, cancellationToken));
    }

    /// <summary>Photos waiting for approval, newest first.</summary>
    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListModerationQueue(
        PhotoStore store, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        var rows = await store.ListPendingModerationAsync(before, take + 1, cancellationToken);
        return TypedResults.Ok(Cursor.ToPage(rows, take, photo => photo.ToDto(includeFailureReason: true) with { Classification = photo.Classification }));
    }

    public static Task<Results<Ok<PhotoDto>, ProblemHttpResult>> ApprovePhoto(Guid id, PhotoStore store, CancellationToken cancellationToken = default) =>
        ModerateAsync(id, approve: true, store, cancellationToken);

    public static Task<Results<Ok<PhotoDto>, ProblemHttpResult>> RejectPhoto(Guid id, PhotoStore store, CancellationToken cancellationToken = default) =>
        ModerateAsync(id, approve: false, store, cancellationToken);

    private static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> ModerateAsync(Guid id, bool approve, PhotoStore store, CancellationToken cancellationToken)
    {
        var photo = await store.ModerateAsync(id, approve, cancellationToken);
        return photo is null ? Problems.PhotoNotFound(id) : TypedResults.Ok(photo.ToDto(includeFailureReason: true));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The queue service did not give its message counts")]
    private static partial void LogQueueCountsUnavailable(ILogger logger, Exception exception);
}
