using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Notify.Api.Events;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.Notify.Api.Apis;

/// <summary>
/// <c>GET /api/events</c>: server-sent events (WHATWG HTML §9.2). Every event carries its sequence as
/// <c>id</c>, so a reconnecting browser sends it back as <c>Last-Event-ID</c> and misses nothing.
/// </summary>
internal static partial class EventsApi
{
    private const string LastEventIdHeader = "Last-Event-ID";
    private static readonly byte[] s_heartbeat = ": heartbeat\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events");
        api.MapGet("/", StreamEvents).WithName(nameof(StreamEvents))
            .WithSummary("Follow new photos live")
            .WithDescription(
                "A server-sent event stream (`text/event-stream`): `photo.ready` and the other photo events as they happen, each " +
                "with its sequence as `id`; `: heartbeat` comments on a quiet stream. Reconnect with `Last-Event-ID` to get what " +
                "was missed, or `event: reset` when that is no longer known. An owner token adds the caller's own photos' events.")
            .AddOpenApiOperationTransformer(DescribeEventStream);

        // The token is a route value: the share-link scheme reads it there.
        app.MapGet("/api/shared/{token}/events", StreamSharedAlbumEvents).WithName(nameof(StreamSharedAlbumEvents))
            .WithTags("Share links")
            .RequireAuthorization(ScrapbookPolicies.SharedLink)
            .WithSummary("Follow a shared album live")
            .WithDescription(
                "A server-sent event stream like `/api/events`, of the album the link names and of nothing else: `photo.ready` when a photo " +
                "is shown in it (added, approved, rendered), `photo.updated`, and `photo.deleted` when one leaves it. 404 for a link that " +
                "does not work or names a single photo.")
            .AddOpenApiOperationTransformer(DescribeEventStream);
        return app;
    }

    /// <summary>
    /// The stream is written by hand, so its description is too: the response's media type, the resume header, and that
    /// an owner token (never required) adds the owner's own events.
    /// </summary>
    private static Task DescribeEventStream(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = LastEventIdHeader,
            In = ParameterLocation.Header,
            Description = "The `id` of the last event received, to get what was missed since.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        operation.Responses ??= [];
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = "Events as they happen, until the client disconnects.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        };
        operation.Security =
        [
            new OpenApiSecurityRequirement(),
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ScrapbookOpenApi.OwnerBearerScheme, context.Document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ScrapbookOpenApi.OwnerCookieScheme, context.Document)] = [] },
        ];
        return Task.CompletedTask;
    }

    /// <summary>The wall's events, and the caller's own when an owner token says who they are.</summary>
    public static Task StreamEvents(
        HttpContext context,
        EventHub hub,
        EventReplay replay,
        NotifyMetrics metrics,
        IOptions<NotifyOptions> options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default) =>
        StreamAsync(context, new EventAudience(context.User.GetOwnerId()), hub, replay, metrics, options, loggerFactory, cancellationToken);

    /// <summary>The events of the album a share link names (its policy has checked the link).</summary>
    public static async Task StreamSharedAlbumEvents(
        string token,
        HttpContext context,
        EventHub hub,
        EventReplay replay,
        NotifyMetrics metrics,
        IOptions<NotifyOptions> options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken = default)
    {
        if (context.User.GetSharedAlbumId() is not { } albumId)
        {
            // A link to one photo: nothing about it changes live.
            await TypedResults.Problem(ShareLinkProblems.NotWorkingDetail, statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound)
                .ExecuteAsync(context);
            return;
        }

        context.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        await StreamAsync(context, new EventAudience(null, albumId), hub, replay, metrics, options, loggerFactory, cancellationToken);
    }

    /// <summary>Holds the connection open and writes events until the client leaves, falls behind, or the host stops.</summary>
    private static async Task StreamAsync(
        HttpContext context,
        EventAudience audience,
        EventHub hub,
        EventReplay replay,
        NotifyMetrics metrics,
        IOptions<NotifyOptions> options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Subscribed before the replay reads anything, so no live event falls between the two.
        using var subscription = hub.Subscribe(audience);

        var writer = response.BodyWriter;
        try
        {
            writer.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"retry: {(long)settings.ReconnectDelay.TotalMilliseconds}\n\n")));
            await writer.FlushAsync(cancellationToken);

            var lastWritten = long.MinValue;
            if (ReadLastEventId(context.Request) is { } lastEventId)
            {
                lastWritten = await ReplayAsync(lastEventId, audience, writer, replay, metrics, loggerFactory, cancellationToken);
            }

            await PumpAsync(subscription, writer, lastWritten, settings.HeartbeatInterval, metrics, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left.
        }
    }

    /// <summary>
    /// Writes what the client missed after <paramref name="lastEventId"/>, or a reset when that cannot be
    /// recovered. Returns the last sequence the client has, so live events already sent are skipped.
    /// </summary>
    private static async Task<long> ReplayAsync(string lastEventId, EventAudience audience, PipeWriter writer, EventReplay replay, NotifyMetrics metrics, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (!StreamEvent.TryParseSequence(lastEventId, out var after))
        {
            await WriteResetAsync(writer, cancellationToken);
            return long.MinValue;
        }

        var lastWritten = after;
        var recovered = await replay.ReplayAsync(after, audience, async (events, token) =>
        {
            foreach (var streamEvent in events)
            {
                writer.Write(streamEvent.Frame.Span);
                lastWritten = streamEvent.Sequence;
            }

            metrics.EventsDelivered(events.Count);
            await writer.FlushAsync(token);
        }, cancellationToken);

        if (!recovered)
        {
            // Live events continue after the reset, whatever their ids (a stream made anew starts lower); the client reloads
            // whatever lies between.
            LogReset(loggerFactory.CreateLogger(typeof(EventsApi)), after);
            await WriteResetAsync(writer, cancellationToken);
            return long.MinValue;
        }

        return lastWritten;
    }

    /// <summary>Live events as they queue (skipping any the replay already sent), a heartbeat when there are none.</summary>
    private static async Task PumpAsync(EventHub.Subscription subscription, PipeWriter writer, long lastWritten, TimeSpan heartbeatInterval, NotifyMetrics metrics, CancellationToken cancellationToken)
    {
        var reader = subscription.Reader;
        var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                quiet.CancelAfter(heartbeatInterval);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(quiet.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    writer.Write(s_heartbeat);
                    await writer.FlushAsync(cancellationToken);
                    quiet.Dispose();
                    quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    continue;
                }

                if (!more)
                {
                    // Dropped for falling behind, or the host is stopping: ending the response makes the client reconnect.
                    return;
                }

                var written = 0;
                while (reader.TryRead(out var streamEvent))
                {
                    if (!streamEvent.IsReset && streamEvent.Sequence <= lastWritten)
                    {
                        continue;
                    }

                    writer.Write(streamEvent.Frame.Span);
                    lastWritten = streamEvent.Sequence;
                    written++;
                }

                if (written > 0)
                {
                    metrics.EventsDelivered(written);
                    await writer.FlushAsync(cancellationToken);
                }
            }
        }
        finally
        {
            quiet.Dispose();
        }
    }

    private static string? ReadLastEventId(HttpRequest request) =>
        request.Headers[LastEventIdHeader] is { Count: > 0 } header && !string.IsNullOrWhiteSpace(header[0])
            ? header[0]
            : request.Query["lastEventId"] is { Count: > 0 } query && !string.IsNullOrWhiteSpace(query[0]) ? query[0] : null;

    private static async Task WriteResetAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        writer.Write(StreamEvent.Reset.Frame.Span);
        await writer.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Events after {After} could not be replayed; the client was sent a reset")]
    private static partial void LogReset(ILogger logger, long after);
}
