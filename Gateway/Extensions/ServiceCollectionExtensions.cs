using Scrapbook.Gateway.Apis;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scrapbook.Gateway.OpenApi;
using Scrapbook.Gateway.Proxy;
using Scrapbook.Storage;

namespace Scrapbook.Gateway.Extensions;

internal static class ServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PublicAddressOptions>().BindConfiguration(PublicAddressOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            kestrel.AddServerHeader = false;
            // Routes raise it where they must (uploads); everything else carries small JSON bodies at most.
            kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBodySize;
        });
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured proxies are believed: not even loopback, which ASP.NET Core trusts by default.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in gateway.Value.TrustedProxies)
            {
                if (GatewayOptions.TryParseNetwork(proxy, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }

            // Walk back through every trusted hop to the first address that is not one.
            forwarded.ForwardLimit = null;
        });

        services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(GatewaySettings.ReverseProxy))
            .AddConfigFilter<InternalPathsNeverRouted>()
            .AddTransforms(ProxyTransforms.Apply)
            .AddServiceDiscoveryDestinationResolver();
        services.AddRateLimits();

        builder.AddBlobStore(GatewaySettings.Blobs);

        // The merged API description reads each service's own document through service discovery.
        services.AddHttpClient(MergedOpenApiDocument.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddHttpClient(SharedPageApi.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MergedOpenApiDocument>();

        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            var origins = builder.Configuration.GetSection($"{GatewayOptions.SectionName}:Cors:Origins").Get<string[]>() ?? [];
            policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()
                .WithExposedHeaders("Location", "Retry-After", "ETag");
        }));

        return builder;
    }

    /// <summary>
    /// In order after routing (which WebApplication puts first): the client's address from trusted proxies, security
    /// headers on every response, CORS, the rate limits of the routes that name a policy, static files.
    /// </summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state => SetSecurityHeaders((HttpResponse)state), context.Response);
            return next(context);
        });
        app.UseCors();
        app.UseRateLimiter();
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

    /// <summary>
    /// The API reference page (Scalar) runs its own script, allowed by the nonce it was rendered with, and sets styles
    /// from script; nothing else changes.
    /// </summary>
    private const string ApiReferenceSecurityPolicy =
        "default-src 'self'; script-src 'self' 'nonce-{0}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private static Task SetSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = response.HttpContext.Items.TryGetValue(Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey, out var nonce) && nonce is string value
            ? string.Format(System.Globalization.CultureInfo.InvariantCulture, ApiReferenceSecurityPolicy, value)
            : ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // A page may ask for less (a share link's page sends no Referer at all).
        if (!headers.ContainsKey("Referrer-Policy"))
        {
            headers["Referrer-Policy"] = "same-origin";
        }

        headers["Permissions-Policy"] = PermissionsPolicy;
        return Task.CompletedTask;
    }
}
