using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Webhooks;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// Admin endpoints (<c>X-Admin-Key</c>) for webhooks: register an endpoint and the event types it wants, see and change
/// it, rotate its secret, send it a test message, and read its delivery log.
/// </summary>
internal static class WebhooksApi
{
    private const int MaxUrlLength = 2048;
    private const int MaxDescriptionLength = 200;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/api/webhooks").WithTags("Webhooks")
            .RequireAuthorization(ScrapbookPolicies.Admin);
        webhooks.MapGet("/", ListWebhooks).WithName(nameof(ListWebhooks)).WithSummary("List the webhooks");
        webhooks.MapPost("/", CreateWebhook).WithName(nameof(CreateWebhook)).WithSummary("Register a webhook")
            .WithDescription("Registers an endpoint for the event types it names (or `photo.*`, `album.*`). The answer carries the signing secret, shown this once.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.UrlNotAllowed);
        webhooks.MapGet("/{id:guid}", GetWebhook).WithName(nameof(GetWebhook)).WithSummary("Get a webhook")
            .ProducesProblems(ProblemTypes.NotFound);
        webhooks.MapPatch("/{id:guid}", UpdateWebhook).WithName(nameof(UpdateWebhook)).WithSummary("Change a webhook")
            .WithDescription("Changes the address, the event types or the description, or turns it on or off. Turning it on again clears why it was off.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.UrlNotAllowed, ProblemTypes.NotFound);
        webhooks.MapDelete("/{id:guid}", DeleteWebhook).WithName(nameof(DeleteWebhook)).WithSummary("Delete a webhook, its messages and its log")
            .ProducesProblems(ProblemTypes.NotFound);
        webhooks.MapPost("/{id:guid}/rotate-secret", RotateWebhookSecret).WithName(nameof(RotateWebhookSecret)).WithSummary("Give a webhook a new secret")
            .WithDescription("The answer carries the new secret, shown this once. The old one keeps signing beside it for the overlap window (Webhooks:SecretOverlap, 24 hours).")
            .ProducesProblems(ProblemTypes.NotFound);
        webhooks.MapPost("/{id:guid}/test", SendWebhookTest).WithName(nameof(SendWebhookTest)).WithSummary("Send a test message")
            .WithDescription("Queues a `webhook.test` message for this endpoint, even when it is turned off; its attempts show in the delivery log.")
            .ProducesProblems(ProblemTypes.NotFound);
        webhooks.MapGet("/{id:guid}/attempts", ListWebhookAttempts).WithName(nameof(ListWebhookAttempts)).WithSummary("Read a webhook's delivery log, newest first")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        return app;
    }

    public static async Task<Ok<WebhookList>> ListWebhooks(WebhookStore store, CancellationToken cancellationToken = default) =>
        TypedResults.Ok(new WebhookList(await store.ListAsync(cancellationToken)));

    public static async Task<Results<Created<WebhookWithSecret>, ProblemHttpResult>> CreateWebhook(
        WebhookCreateRequest request, WebhookStore store, WebhookSender sender, CancellationToken cancellationToken = default)
    {
        if ((CheckUrl(request.Url, sender) ?? CheckEventTypes(request.EventTypes) ?? CheckDescription(request.Description)) is { } problem)
        {
            return problem;
        }

        var (webhook, secret) = await store.CreateAsync(request.Url, request.EventTypes, NullIfEmpty(request.Description), cancellationToken);
        return TypedResults.Created($"/api/webhooks/{webhook.Id}", new WebhookWithSecret(webhook, secret));
    }

    public static async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> GetWebhook(Guid id, WebhookStore store, CancellationToken cancellationToken = default) =>
        await store.GetAsync(id, cancellationToken) is { } webhook ? TypedResults.Ok(webhook.ToDto()) : NotFound(id);

    public static async Task<Results<Ok<WebhookDto>, ProblemHttpResult>> UpdateWebhook(
        Guid id, WebhookPatchRequest patch, WebhookStore store, WebhookSender sender, CancellationToken cancellationToken = default)
    {
        if (((patch.Url is null ? null : CheckUrl(patch.Url, sender))
            ?? (patch.EventTypes is null ? null : CheckEventTypes(patch.EventTypes))
            ?? CheckDescription(patch.Description)) is { } problem)
        {
            return problem;
        }

        return await store.UpdateAsync(id, patch, cancellationToken) is { } webhook ? TypedResults.Ok(webhook) : NotFound(id);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(Guid id, WebhookStore store, CancellationToken cancellationToken = default) =>
        await store.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    public static async Task<Results<Ok<WebhookWithSecret>, ProblemHttpResult>> RotateWebhookSecret(
        Guid id, WebhookStore store, IOptions<WebhookOptions> options, CancellationToken cancellationToken = default) =>
        await store.RotateSecretAsync(id, options.Value.SecretOverlap, cancellationToken) is var (webhook, secret)
            ? TypedResults.Ok(new WebhookWithSecret(webhook, secret))
            : NotFound(id);

    public static async Task<Results<Accepted<WebhookTestQueued>, ProblemHttpResult>> SendWebhookTest(
        Guid id, WebhookStore store, [FromKeyedServices(WebhookDispatcher.SignalKey)] Outbox.OutboxSignal signal, CancellationToken cancellationToken = default)
    {
        if (await store.QueueTestAsync(id, cancellationToken) is not { } messageId)
        {
            return NotFound(id);
        }

        signal.Notify();
        return TypedResults.Accepted($"/api/webhooks/{id}/attempts", new WebhookTestQueued(messageId));
    }

    public static async Task<Results<Ok<WebhookAttemptPage>, ProblemHttpResult>> ListWebhookAttempts(
        Guid id, WebhookStore store, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var take = limit ?? Cursor.DefaultLimit;
        if (take is < 1 or > Cursor.MaxLimit)
        {
            return Problems.Malformed($"limit must be between 1 and {Cursor.MaxLimit}.");
        }

        long? before = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Problems.Malformed("cursor is not one this service issued.");
            }

            before = parsed;
        }

        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        var rows = await store.ListAttemptsAsync(id, before, take + 1, cancellationToken);
        var items = rows.Take(take).ToList();
        var next = rows.Count > take ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new WebhookAttemptPage(items, next));
    }

    private static ProblemHttpResult? CheckUrl(string? url, WebhookSender sender)
    {
        if (url is not { Length: > 0 and <= MaxUrlLength } || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return Problems.Malformed($"url must be an absolute http or https address of at most {MaxUrlLength} characters.");
        }

        return sender.CheckUrl(parsed) is { } refusal
            ? TypedResults.Problem(refusal, statusCode: StatusCodes.Status400BadRequest, title: "Deliveries cannot go to this address.", type: ProblemTypes.UrlNotAllowed)
            : null;
    }

    private static ProblemHttpResult? CheckEventTypes(IReadOnlyList<string>? eventTypes)
    {
        var known = $"Known: {string.Join(", ", WebhookEventTypes.All)}, photo.*, album.*.";
        if (eventTypes is not { Count: > 0 })
        {
            return Problems.Malformed("eventTypes must name at least one event type. " + known);
        }

        return eventTypes.FirstOrDefault(type => !WebhookEventTypes.IsValidSubscription(type)) is { } unknown
            ? Problems.Malformed($"'{unknown}' is not an event type. {known}")
            : null;
    }

    private static ProblemHttpResult? CheckDescription(string? description) =>
        description is { Length: > MaxDescriptionLength } ? Problems.Malformed($"description may be at most {MaxDescriptionLength} characters.") : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem($"There is no webhook {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);
}
