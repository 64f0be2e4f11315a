using System.Diagnostics;
using System.Net;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// Outgoing responses that look like failures but are the answer the caller asked for, so their client spans are not
/// marked as errors. Today one: a create-if-absent PUT (<c>If-None-Match: *</c>, as blob uploads of content-addressed keys
/// send) answered 409 Conflict or 412 Precondition Failed means "already there", which the caller treats as success.
/// </summary>
internal static class ExpectedResponses
{
    public static void Enrich(Activity activity, HttpResponseMessage response)
    {
        if (IsAlreadyExists(response))
        {
            activity.SetStatus(ActivityStatusCode.Unset);
            activity.SetTag("error.type", null);
        }
    }

    internal static bool IsAlreadyExists(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed
        && response.RequestMessage is { } request
        && request.Method == HttpMethod.Put
        && request.Headers.IfNoneMatch.Any(tag => tag.Tag == "*");
}
