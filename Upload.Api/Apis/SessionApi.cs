using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Scrapbook.ServiceDefaults;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.Apis;

public static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/session", CreateSession)
            .WithTags("Session")
            .WithName(nameof(CreateSession))
            .WithSummary("Get an owner token")
            .WithDescription(
                "Issues an owner token, in the body for apps and as the HttpOnly `sb_owner` cookie for browsers. A request " +
                "that already carries a working token gets the same token back; one whose token was revoked gets a new one.");
        return app;
    }

    /// <summary>
    /// Issues an owner token, as the <c>sb_owner</c> cookie and in the body. A request that already
    /// carries a working token gets that same token back, so calling this again never orphans someone's photos. A revoked
    /// token is replaced: handing it back would leave the device signed out for good.
    /// </summary>
    public static Ok<SessionResponse> CreateSession(HttpContext context)
    {
        var token = context.User.GetOwnerId() is not null && OwnerToken.Read(context.Request) is { } working ? working : OwnerToken.Create();
        OwnerToken.AppendCookie(context.Response, token);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Cookie);
        return TypedResults.Ok(new SessionResponse(token));
    }
}
