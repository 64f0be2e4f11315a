using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// Writes a problem whatever the request's <c>Accept</c> header says, after ASP.NET Core's own writer, which writes only
/// for clients that accept JSON. Without it <c>IProblemDetailsService.WriteAsync</c> finds no writer and throws: a browser's
/// <c>EventSource</c> (<c>Accept: text/event-stream</c>) refused with a 401 or a 404 would get a 500 instead. The status
/// is what such a client reads; the body is the same problem anyone else gets.
/// </summary>
internal sealed class AnyAcceptProblemDetailsWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(
            problem, jsonOptions.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
