using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>The authentication schemes: who is asking.</summary>
public static class ScrapbookSchemes
{
    /// <summary>The owner token (cookie <c>sb_owner</c> or <c>Authorization: Bearer</c>); the default scheme.</summary>
    public const string OwnerToken = "OwnerToken";

    /// <summary>The admin key (<c>X-Admin-Key</c>, configuration <c>Admin:Key</c>).</summary>
    public const string AdminKey = "AdminKey";

    /// <summary>A share link, the <c>{token}</c> of <c>/api/shared/{token}/…</c> (services that call <c>AddShareLinkAuthentication</c>).</summary>
    public const string ShareLink = "ShareLink";
}

/// <summary>The authorization policies route groups declare: what they need.</summary>
public static class ScrapbookPolicies
{
    /// <summary>An owner token.</summary>
    public const string Owner = "Owner";

    /// <summary>The admin key.</summary>
    public const string Admin = "Admin";

    /// <summary>An owner token or the admin key; which photos the caller may then touch is decided per photo.</summary>
    public const string OwnerOrAdmin = "OwnerOrAdmin";

    /// <summary>
    /// Anyone at all, but whatever the request proves (owner, admin) is known to the handler: for public endpoints that
    /// show an owner or an admin more (a photo still processing, its failure reason).
    /// </summary>
    public const string Anyone = "Anyone";

    /// <summary>A working share link: what it names, for anyone holding it.</summary>
    public const string SharedLink = "SharedLink";

    /// <summary>
    /// A guest: an owner token (whose photos the guest adds stay theirs) and a share link that lets its holders add photos
    /// to its album.
    /// </summary>
    public const string GuestUpload = "GuestUpload";
}

/// <summary>The claims the schemes issue.</summary>
public static class ScrapbookClaims
{
    /// <summary>
    /// The owner id the token acts for: the lowercase hex SHA-256 of the owner's first token (what is stored; no token
    /// ever is), whichever of their devices' tokens the request carried.
    /// </summary>
    public const string OwnerId = "scrapbook/owner";

    /// <summary>The hash of the token the request carried: which of the owner's devices is asking.</summary>
    public const string TokenHash = "scrapbook/token";

    /// <summary>Present, with the value <c>true</c>, when the request carried the admin key.</summary>
    public const string Admin = "scrapbook/admin";

    /// <summary>The id of the share link the request's route carried, when it works.</summary>
    public const string ShareLink = "scrapbook/share-link";

    /// <summary>The album that share link names (absent for a link to one photo).</summary>
    public const string SharedAlbum = "scrapbook/shared-album";

    /// <summary>Present, with the value <c>true</c>, when the share link lets its holders add photos (a guest link).</summary>
    public const string ShareUploads = "scrapbook/share-uploads";

    /// <summary>The owner id the request proved, or null.</summary>
    public static string? GetOwnerId(this ClaimsPrincipal user) => user.FindFirst(OwnerId)?.Value;

    /// <summary>The hash of the owner token the request proved itself with, or null.</summary>
    public static string? GetTokenHash(this ClaimsPrincipal user) => user.FindFirst(TokenHash)?.Value;

    /// <summary>Whether the request carried the admin key.</summary>
    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasClaim(Admin, "true");

    /// <summary>The share link the request proved, or null.</summary>
    public static Guid? GetShareLinkId(this ClaimsPrincipal user) => Guid.TryParse(user.FindFirst(ShareLink)?.Value, out var id) ? id : null;

    /// <summary>The album of the share link the request proved, or null.</summary>
    public static Guid? GetSharedAlbumId(this ClaimsPrincipal user) => Guid.TryParse(user.FindFirst(SharedAlbum)?.Value, out var id) ? id : null;
}

public static class ScrapbookAuthenticationExtensions
{
    /// <summary>
    /// The owner-token and admin-key schemes, the <see cref="ScrapbookPolicies"/>, and 401/403 answers as ProblemDetails.
    /// The owner token is the default scheme, so <c>HttpContext.User</c> names the owner on every endpoint. Tokens resolve
    /// to owners through <see cref="IOwnerResolver"/>: add one with <see cref="AddOwnerResolution{TBuilder, TSource}"/>
    /// (the service that owns the devices) or <see cref="AddRemoteOwnerResolution{TBuilder}"/> (every other).
    /// </summary>
    public static TBuilder AddScrapbookAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddAuthentication(ScrapbookSchemes.OwnerToken)
            .AddScheme<AuthenticationSchemeOptions, OwnerTokenAuthenticationHandler>(ScrapbookSchemes.OwnerToken, null)
            .AddScheme<AdminKeyAuthenticationOptions, AdminKeyAuthenticationHandler>(ScrapbookSchemes.AdminKey, null);
        services.AddOptions<AdminKeyAuthenticationOptions>(ScrapbookSchemes.AdminKey).BindConfiguration(AdminKeyAuthenticationOptions.SectionName);

        services.AddAuthorizationBuilder()
            .AddPolicy(ScrapbookPolicies.Owner, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.OwnerToken)
                .RequireClaim(ScrapbookClaims.OwnerId))
            .AddPolicy(ScrapbookPolicies.Admin, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.AdminKey)
                .RequireClaim(ScrapbookClaims.Admin, "true"))
            .AddPolicy(ScrapbookPolicies.OwnerOrAdmin, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.OwnerToken, ScrapbookSchemes.AdminKey)
                .RequireAssertion(context => context.User.GetOwnerId() is not null || context.User.IsAdmin()))
            .AddPolicy(ScrapbookPolicies.Anyone, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.OwnerToken, ScrapbookSchemes.AdminKey)
                .RequireAssertion(_ => true))
            .AddPolicy(ScrapbookPolicies.SharedLink, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.OwnerToken, ScrapbookSchemes.ShareLink)
                .RequireClaim(ScrapbookClaims.ShareLink))
            .AddPolicy(ScrapbookPolicies.GuestUpload, policy => policy
                .AddAuthenticationSchemes(ScrapbookSchemes.OwnerToken, ScrapbookSchemes.ShareLink)
                .RequireClaim(ScrapbookClaims.OwnerId)
                .RequireClaim(ScrapbookClaims.ShareUploads, "true"));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return builder;
    }

    /// <summary>
    /// The share-link scheme (for the <see cref="ScrapbookPolicies.SharedLink"/> and <see cref="ScrapbookPolicies.GuestUpload"/>
    /// policies), asking Gallery.Api at <paramref name="galleryBaseAddress"/> (a service-discovery name) about each token.
    /// </summary>
    public static TBuilder AddShareLinkAuthentication<TBuilder>(this TBuilder builder, string galleryBaseAddress) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHttpClient<IShareLinkResolver, GalleryShareLinkResolver>(http => http.BaseAddress = new Uri(galleryBaseAddress));
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ShareLinkAuthenticationHandler>(ScrapbookSchemes.ShareLink, null);
        return builder;
    }

    /// <summary>
    /// Resolves owner tokens from <typeparamref name="TSource"/>, cached for <see cref="OwnerTokenOptions.CacheDuration"/>
    /// and dropped at once when <see cref="OwnerTokenRevocations"/> hears of a revocation. Needs the Redis client
    /// (<see cref="StackExchange.Redis.IConnectionMultiplexer"/>) registered.
    /// </summary>
    public static TBuilder AddOwnerResolution<TBuilder, TSource>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
        where TSource : class, IOwnerTokenSource
    {
        var services = builder.Services;
        services.AddOptions<OwnerTokenOptions>().BindConfiguration(OwnerTokenOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHybridCache();
        services.TryAddSingleton<TSource>();
        services.TryAddSingleton<IOwnerTokenSource>(provider => provider.GetRequiredService<TSource>());
        services.AddSingleton<CachedOwnerResolver>();
        services.AddSingleton<IOwnerResolver>(provider => provider.GetRequiredService<CachedOwnerResolver>());
        services.AddSingleton(provider => new OwnerTokenRevocations(
            provider.GetRequiredService<CachedOwnerResolver>(),
            provider.GetRequiredService<IConnectionMultiplexer>(),
            provider.GetRequiredService<ILogger<OwnerTokenRevocations>>()));
        services.AddHostedService(provider => provider.GetRequiredService<OwnerTokenRevocations>());
        return builder;
    }

    /// <summary>
    /// <see cref="AddOwnerResolution{TBuilder, TSource}"/> over Gallery.Api's internal endpoint, found by service discovery
    /// as <paramref name="galleryServiceName"/>. One quick attempt: a request waits on this before anything else.
    /// </summary>
    public static TBuilder AddRemoteOwnerResolution<TBuilder>(this TBuilder builder, string galleryServiceName = "gallery-api")
        where TBuilder : IHostApplicationBuilder
    {
        // The standard resilience handler would retry for up to 30 s; a caller would rather have a prompt 503.
        // RemoveAllResilienceHandlers is marked experimental but is the supported opt-out of ConfigureHttpClientDefaults.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(RemoteOwnerTokenSource.HttpClientName, http =>
            {
                http.BaseAddress = new Uri($"http://{galleryServiceName}");
                http.Timeout = TimeSpan.FromSeconds(5);
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder.AddOwnerResolution<TBuilder, RemoteOwnerTokenSource>();
    }
}
