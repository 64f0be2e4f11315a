using Microsoft.AspNetCore.Mvc;
using Scrapbook.Contracts;

namespace Scrapbook.Gateway;

/// <summary>ProblemDetails the gateway writes itself, with the stable types of <see cref="ProblemTypes"/>.</summary>
internal static class GatewayProblems
{
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

    public static ValueTask TooLargeAsync(HttpContext context, long? limit) =>
        WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "Request body too large",
            limit is { } bytes ? $"This route accepts request bodies of at most {bytes} bytes." : "The request body is too large.");

    public static ValueTask NotFoundAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found");
}
