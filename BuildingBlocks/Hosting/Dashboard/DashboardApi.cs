using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Scrapbook.Hosting.Orchestration;
using Scrapbook.Hosting.Telemetry;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>The dashboard's JSON API (behind the dashboard token): resources and their actions, console output, traces, logs, metrics.</summary>
internal static class DashboardApi
{
    private const int MaxLimit = 10_000;

    public static void MapDashboardApi(this IEndpointRouteBuilder endpoints, DistributedApplication application, TelemetryStore telemetry)
    {
        var api = endpoints.MapGroup("/api");

        api.MapGet("/resources", () => TypedResults.Ok(application.GetSnapshots()));
        api.MapGet("/resources/{name}/console", Results<Ok<IReadOnlyList<ConsoleLine>>, NotFound> (string name) =>
            application.Resources.Any(r => r.Name == name) ? TypedResults.Ok(application.GetConsoleLog(name)) : TypedResults.NotFound());
        api.MapGet("/resources/{name}/console/live", Results<Ok<ConsoleChunk>, NotFound> (string name, long? after) =>
        {
            if (!application.Resources.Any(r => r.Name == name))
            {
                return TypedResults.NotFound();
            }

            var (lines, next) = application.ReadConsoleLog(name, after ?? 0);
            return TypedResults.Ok(new ConsoleChunk(next, lines));
        });
        api.MapPost("/resources/{name}/restart", async Task<Results<Accepted, NotFound>> (string name) =>
            await application.RestartResourceAsync(name) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound());
        api.MapPost("/resources/{name}/stop", async Task<Results<Accepted, NotFound>> (string name) =>
            await application.StopResourceAsync(name) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound());
        api.MapPost("/resources/{name}/start", async Task<Results<Accepted, NotFound>> (string name) =>
            await application.StartResourceAsync(name) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound());

        api.MapGet("/traces", GetTraces);
        api.MapGet("/traces/{traceId}", Results<Ok<TraceDetail>, NotFound> (string traceId) =>
            telemetry.GetTrace(traceId) is { } trace ? TypedResults.Ok(trace) : TypedResults.NotFound());
        api.MapGet("/logs", GetLogs);
        api.MapGet("/metrics", () => TypedResults.Ok(telemetry.GetInstruments()));
        api.MapGet("/metrics/{resource}/{instrument}", Results<Ok<InstrumentPoints>, NotFound> (string resource, string instrument) =>
            telemetry.GetPoints(resource, instrument) is { } points ? TypedResults.Ok(points) : TypedResults.NotFound());

        Results<Ok<IReadOnlyList<TraceSummary>>, ProblemHttpResult> GetTraces(string? resource, bool? errorsOnly, string? text, string? sort, int? limit) =>
            ParseTraceQuery(resource, errorsOnly, text, sort, limit) is { } query
                ? TypedResults.Ok(telemetry.GetTraces(query))
                : TypedResults.Problem("sort is 'newest' (the default) or 'slowest'; limit is 1 to 10000.", statusCode: StatusCodes.Status400BadRequest);

        Results<Ok<IReadOnlyList<LogEntry>>, ProblemHttpResult> GetLogs(string? resource, string? level, string? text, string? traceId, int? limit) =>
            ParseLogQuery(resource, level, text, traceId, limit) is { } query
                ? TypedResults.Ok(telemetry.GetLogs(query))
                : TypedResults.Problem(
                    $"level is a minimum level ({string.Join(", ", LogLevels.Names)}); limit is 1 to 10000.", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>Null when a parameter is out of range. Shared by the API and the traces page.</summary>
    public static TraceQuery? ParseTraceQuery(string? resource, bool? errorsOnly, string? text, string? sort, int? limit)
    {
        var slowest = sort?.ToLowerInvariant() switch
        {
            null or "" or "newest" => false,
            "slowest" => true,
            _ => (bool?)null,
        };
        return slowest is null || limit is < 1 or > MaxLimit
            ? null
            : new TraceQuery(Blank(resource), errorsOnly ?? false, Blank(text), slowest.Value, limit ?? 100);
    }

    /// <summary>Null when a parameter is out of range. <paramref name="level"/> is the lowest level shown.</summary>
    public static LogQuery? ParseLogQuery(string? resource, string? level, string? text, string? traceId, int? limit)
    {
        var minimum = 0;
        return (string.IsNullOrEmpty(level) || LogLevels.TryParseMinimum(level, out minimum)) && limit is null or (>= 1 and <= MaxLimit)
            ? new LogQuery(Blank(resource), minimum, Blank(text), Blank(traceId), limit ?? 200)
            : null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>New console lines and the cursor to ask from next time.</summary>
internal sealed record ConsoleChunk(long Next, IReadOnlyList<ConsoleLine> Lines);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<ResourceSnapshot>))]
[JsonSerializable(typeof(IReadOnlyList<ConsoleLine>))]
[JsonSerializable(typeof(ConsoleChunk))]
[JsonSerializable(typeof(IReadOnlyList<TraceSummary>))]
[JsonSerializable(typeof(TraceDetail))]
[JsonSerializable(typeof(IReadOnlyList<LogEntry>))]
[JsonSerializable(typeof(IReadOnlyList<ResourceInstruments>))]
[JsonSerializable(typeof(InstrumentPoints))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
