using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gateway.Forwarding;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;

namespace Scrapbook.Gateway.Extensions;

internal static class ServiceCollectionExtensions
{
    public const string UploadsRateLimitPolicy = "uploads";

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

        builder.AddBlobStore("blobs");

        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            var origins = builder.Configuration.GetSection($"{GatewayOptions.SectionName}:Cors:Origins").Get<string[]>() ?? [];
            policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()
                .WithExposedHeaders("Location", "Retry-After", "ETag");
        }));

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = OnRateLimitedAsync;
            limiter.AddPolicy(UploadsRateLimitPolicy, context =>
            {
                var limit = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.UploadRateLimit;
                // Owners are limited one by one; anonymous clients by address.
                var partition = OwnerToken.GetOwnerId(context) is { } owner
                    ? "owner:" + owner
                    : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limit.PermitLimit,
                    Window = limit.Window,
                    QueueLimit = 0,
                });
            });
        });

        return builder;
    }

    /// <summary>
    /// Security headers on every response, CORS, the rate limiter and static files, in that order after routing
    /// (which WebApplication puts first).
    /// </summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
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

    private static Task SetSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.XFrameOptions = "DENY";
        return Task.CompletedTask;
    }

    private static async ValueTask OnRateLimitedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await GatewayProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited,
            "Too many uploads", "Upload rate limit reached; retry after the time in Retry-After.");
    }
}
