using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Scrapbook.Contracts;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// A refused request is answered as every other error is: a ProblemDetails with a stable type and a detail that says
/// what to send. 401 when the request proved nothing the policy accepts; 403 when it presented an admin key that is not
/// valid, or proved who it is but that is not enough.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        if (policy.AuthenticationSchemes.Contains(ScrapbookSchemes.ShareLink))
        {
            // Whoever holds no working link learns nothing more than "not found", the answer of every link that does not work.
            if (ShareLinkAuthenticationHandler.WasUnavailable(context))
            {
                return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemTypes.DependencyDown, "Try again shortly.", "Share links cannot be checked just now.");
            }

            if (context.User.GetShareLinkId() is null)
            {
                return WriteAsync(context, StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.", ShareLinkProblems.NotWorkingDetail);
            }

            // A working link that is not enough: the owner token is missing (401), or the link does not let guests add photos (403).
            var needsOwner = policy.Requirements.OfType<ClaimsAuthorizationRequirement>().Any(r => r.ClaimType == ScrapbookClaims.OwnerId);
            if (needsOwner && context.User.GetOwnerId() is null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Who you are is unknown.",
                    "Guests add photos with their own owner token (cookie or Authorization: Bearer); POST /api/session gives you one.");
            }

            return WriteAsync(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed.", "This link does not let you add photos.");
        }

        var takesAdminKey = policy.AuthenticationSchemes.Contains(ScrapbookSchemes.AdminKey);
        var takesOwnerToken = policy.AuthenticationSchemes.Contains(ScrapbookSchemes.OwnerToken);
        if (authorizeResult.Forbidden || (takesAdminKey && AdminKeyAuthenticationHandler.IsPresented(context.Request, out _)))
        {
            return WriteAsync(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed.",
                authorizeResult.Forbidden ? "What this request proves does not allow it." : "The admin key is not valid.");
        }

        if (takesOwnerToken)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var detail = (takesOwnerToken, takesAdminKey) switch
        {
            (true, true) => "Send your owner token (cookie or Authorization: Bearer) or the admin key.",
            (false, true) => $"Admin endpoints need the {AdminKeyAuthenticationOptions.HeaderName} header.",
            _ => "Send your owner token (cookie or Authorization: Bearer); POST /api/session gives you one.",
        };
        return WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Who you are is unknown.", detail);
    }

    private Task WriteAsync(HttpContext context, int status, string type, string title, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        }).AsTask();
    }
}
