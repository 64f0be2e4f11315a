using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scrapbook.Hosting.Orchestration;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>
/// The AppHost's dashboard on loopback only: a login link carrying a random per-run token sets an HttpOnly
/// cookie (as Aspire's dashboard does); without it every page and API answers 401.
/// Covers resources (state, health, endpoints, pid, restarts, masked environment; restart action) and console logs.
/// </summary>
internal sealed class DashboardServer(DistributedApplication application, int port) : IAsyncDisposable
{
    private const string CookieName = "sb_dashboard";
    private readonly string _token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private WebApplication? _web;

    public string Url => $"http://localhost:{port}";

    public string LoginUrl => $"{Url}/login?t={_token}";

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, DashboardJsonContext.Default));
        var web = builder.Build();
        web.Use(async (context, next) =>
        {
            if (context.Request.Path == "/login" || IsAuthorized(context.Request))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync("Open the login link the AppHost printed.", context.RequestAborted);
        });
        web.MapGet("/login", Login);
        web.MapGet("/", () => Results.Content(DashboardPages.Resources, "text/html; charset=utf-8"));
        web.MapGet("/console/{name}", (string name) => Results.Content(DashboardPages.Console(name), "text/html; charset=utf-8"));
        web.MapGet("/api/resources", () => TypedResults.Ok(application.GetSnapshots()));
        web.MapGet("/api/resources/{name}/console", Results<Ok<IReadOnlyList<ConsoleLine>>, NotFound> (string name) =>
            application.Resources.Any(r => r.Name == name) ? TypedResults.Ok(application.GetConsoleLog(name)) : TypedResults.NotFound());
        web.MapPost("/api/resources/{name}/restart", async Task<Results<Accepted, NotFound>> (string name) =>
            await application.RestartResourceAsync(name) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound());
        await web.StartAsync(cancellationToken);
        _web = web;
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
    }

    private IResult Login(HttpContext context, string? t)
    {
        if (t is null || !TokenMatches(t))
        {
            return Results.Text("Wrong or missing token.", statusCode: StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(CookieName, _token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        return Results.Redirect("/");
    }

    private bool IsAuthorized(HttpRequest request)
    {
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && TokenMatches(cookie))
        {
            return true;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.Ordinal) && TokenMatches(authorization["Bearer ".Length..]);
    }

    private bool TokenMatches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(_token));
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<ResourceSnapshot>))]
[JsonSerializable(typeof(IReadOnlyList<ConsoleLine>))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
