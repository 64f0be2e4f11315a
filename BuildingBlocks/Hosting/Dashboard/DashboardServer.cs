using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scrapbook.Hosting.Telemetry;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>
/// The AppHost's dashboard on loopback only: a login link carrying a random per-run token sets an HttpOnly
/// cookie (as Aspire's dashboard does); without it every page and API answers 401. It also receives the projects'
/// OTLP/HTTP telemetry at <c>/v1/*</c>, which instead requires this run's OTLP API key (Aspire's <c>x-otlp-api-key</c>).
/// </summary>
internal sealed class DashboardServer(DistributedApplication application, int port, TelemetryStore? telemetry = null) : IAsyncDisposable
{
    private const string CookieName = "sb_dashboard";

    // Scripts and styles only from the dashboard itself; style attributes position the trace waterfall's bars.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

    private readonly string _token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private WebApplication? _web;

    public string Url => $"http://localhost:{port}";

    public string LoginUrl => $"{Url}/login?t={_token}";

    /// <summary>Where projects send OTLP/HTTP (IPv4 loopback, which Kestrel listens on, so no IPv6 attempt first).</summary>
    public string OtlpEndpoint => $"http://127.0.0.1:{port}";

    /// <summary>This run's key for the OTLP receiver, handed to projects in <c>OTEL_EXPORTER_OTLP_HEADERS</c>.</summary>
    public string OtlpApiKey { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public TelemetryStore Telemetry { get; } = telemetry ?? new TelemetryStore();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Every project exports to this dashboard unless its model already names a collector (Aspire does the same
        // when its dashboard runs); callbacks apply in order, so this one sees what AddProject set.
        foreach (var project in application.Resources.OfType<ProjectResource>())
        {
            project.EnvironmentCallbacks.Add(AddTelemetryEnvironment);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, DashboardJsonContext.Default));
        var web = builder.Build();
        web.Use(async (context, next) =>
        {
            context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            context.Response.Headers.XContentTypeOptions = "nosniff";

            // The receiver checks its own key: services have no dashboard cookie.
            if (context.Request.Path == "/login" || context.Request.Path.StartsWithSegments("/v1") || IsAuthorized(context.Request))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync("Open the login link the AppHost printed.", context.RequestAborted);
        });
        web.MapGet("/login", Login);
        web.MapOtlpReceiver(Telemetry, OtlpApiKey);
        web.MapDashboardApi(application, Telemetry);
        web.MapDashboardPages(application, Telemetry);
        await web.StartAsync(cancellationToken);
        _web = web;
    }

    /// <summary>The OTLP variables Aspire gives a project when its dashboard receives telemetry; the key is a secret (masked).</summary>
    private void AddTelemetryEnvironment(EnvironmentContext context)
    {
        if (context.Variables.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"))
        {
            return;
        }

        context.Set("OTEL_EXPORTER_OTLP_ENDPOINT", OtlpEndpoint);
        context.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        context.Set("OTEL_EXPORTER_OTLP_HEADERS", $"{OtlpReceiver.ApiKeyHeader}={OtlpApiKey}", secret: true);

        // Aspire's development values: a span, log or metric shows up within about a second instead of 5-60 s.
        context.Set("OTEL_BSP_SCHEDULE_DELAY", "1000");
        context.Set("OTEL_BLRP_SCHEDULE_DELAY", "1000");
        context.Set("OTEL_METRIC_EXPORT_INTERVAL", "1000");
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
    }

    /// <summary>Sets the cookie and goes to <paramref name="returnUrl"/> when it is a path on this dashboard (a deep link), else home.</summary>
    private IResult Login(HttpContext context, string? t, string? returnUrl)
    {
        if (t is null || !TokenMatches(t))
        {
            return Results.Text("Wrong or missing token.", statusCode: StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(CookieName, _token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        var local = returnUrl is ['/', not '/' and not '\\', ..] || returnUrl == "/";
        return Results.Redirect(local ? returnUrl! : "/");
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
