using System.Net;
using Scrapbook.Gateway.Forwarding;
using Scrapbook.Storage;

namespace Scrapbook.Gateway.Extensions;

internal static class ServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DestinationSelector>();
        services.AddSingleton(_ => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        }, disposeHandler: true));
        services.AddSingleton<HttpForwarder>();
        services.AddSingleton<UploadRateLimiter>();

        builder.AddBlobStore("blobs");

        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            var origins = builder.Configuration.GetSection($"{GatewayOptions.SectionName}:Cors:Origins").Get<string[]>() ?? [];
            policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()
                .WithExposedHeaders("Location", "Retry-After", "ETag");
        }));

        return builder;
    }

    /// <summary>
    /// Security headers on every response, CORS and static files, in that order after routing (which WebApplication
    /// puts first). The upload rate limit is not middleware: only the rate-limited routes call it.
    /// </summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state => SetSecurityHeaders((HttpResponse)state), context.Response);
            return next(context);
        });
        app.UseCors();
        app.UseStaticFiles(Apis.WebClientApi.StaticFileOptions);
        return app;
    }

    /// <summary>
    /// What the web client needs and nothing more: its own scripts and styles only (no inline script, style
    /// attribute or handler), images from itself plus <c>data:</c> (ThumbHash placeholders) and <c>blob:</c> (previews
    /// of files about to be uploaded), fetch and SSE to itself, never framed.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Powerful features off, except the camera and fullscreen for this origin (taking a photo, the projector).</summary>
    private const string PermissionsPolicy =
        "camera=(self), fullscreen=(self), microphone=(), geolocation=(), payment=(), usb=()";

    private static Task SetSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers["Permissions-Policy"] = PermissionsPolicy;
        return Task.CompletedTask;
    }
}
