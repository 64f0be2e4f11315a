using Microsoft.AspNetCore.Mvc;
using Scrapbook.Contracts;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>ProblemDetails the gateway writes itself, with stable types (ARCHITECTURE §6).</summary>
internal static class GatewayProblems
{
    /// <summary>No destination of the route's service could be reached (502). Kept stable: clients switch on it.</summary>
    public const string BadGateway = "https://scrapbook.dev/problems/bad-gateway";

    /// <summary>The destination went quiet for longer than the route's idle timeout (504).</summary>
    public const string GatewayTimeout = "https://scrapbook.dev/problems/gateway-timeout";

    public static ValueTask WriteAsync(HttpContext context, int status, string type, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }

    public static ValueTask TooLargeAsync(HttpContext context, long limit) =>
        WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "Request body too large",
            $"This route accepts request bodies of at most {limit} bytes.");
}
