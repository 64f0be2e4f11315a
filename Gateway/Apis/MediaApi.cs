using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Scrapbook.Contracts;
using Scrapbook.Storage;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// <c>/media/renditions/…</c> straight from the blob store. Rendition keys contain the
/// original's hash, so a key's bytes never change: cached for a year as immutable, validated by the blob's ETag,
/// and served in byte ranges (one range per request). Nothing outside <c>renditions/</c> is ever served.
/// </summary>
internal static class MediaApi
{
    private const string RenditionsPrefix = "renditions/";
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/media/{**key}", [HttpMethods.Get, HttpMethods.Head], GetMediaAsync)
            .WithName("GetMedia")
            .ExcludeFromDescription();
        return app;
    }

    private static async Task GetMediaAsync(HttpContext context, string? key, IBlobStore blobs)
    {
        var cancellationToken = context.RequestAborted;
        if (key is null || !key.StartsWith(RenditionsPrefix, StringComparison.Ordinal) || BlobKey.GetError(key) is not null)
        {
            await NotFoundAsync(context);
            return;
        }

        var request = context.Request;
        if (request.Headers.IfNoneMatch.Count > 0)
        {
            var properties = await blobs.GetPropertiesAsync(key, cancellationToken);
            if (properties is null)
            {
                await NotFoundAsync(context);
                return;
            }

            if (Matches(request.Headers.IfNoneMatch, properties.ETag))
            {
                SetCachingHeaders(context.Response, properties);
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        BlobDownload? download;
        try
        {
            download = await blobs.OpenReadAsync(key, ReadRange(request), cancellationToken);
        }
        catch (BlobRangeNotSatisfiableException unsatisfiable)
        {
            context.Response.Headers.ContentRange = $"bytes */{unsatisfiable.BlobLength.ToString(CultureInfo.InvariantCulture)}";
            await GatewayProblems.WriteAsync(context, StatusCodes.Status416RangeNotSatisfiable, ProblemTypes.Malformed,
                "Range not satisfiable", $"The rendition is {unsatisfiable.BlobLength} bytes long.");
            return;
        }

        if (download is null)
        {
            await NotFoundAsync(context);
            return;
        }

        await using (download)
        {
            var response = context.Response;
            SetCachingHeaders(response, download.Properties);
            response.ContentType = download.Properties.ContentType;
            response.ContentLength = download.Count;
            if (download.IsPartial)
            {
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture,
                    $"bytes {download.Offset}-{download.Offset + download.Count - 1}/{download.Properties.Length}");
            }

            if (!HttpMethods.IsHead(request.Method))
            {
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                await download.Content.CopyToAsync(response.Body, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The single byte range asked for, or null for the whole blob: no Range header, a syntax we do not serve
    /// (several ranges, other units) or an <c>If-Range</c> that no longer matches (RFC 9110 §14.2 lets us ignore it).
    /// </summary>
    private static BlobRange? ReadRange(HttpRequest request)
    {
        if (request.Headers.Range.Count != 1 || !RangeHeaderValue.TryParse(request.Headers.Range.ToString(), out var header)
            || header.Unit != "bytes" || header.Ranges.Count != 1)
        {
            return null;
        }

        var range = header.Ranges.Single();
        return (range.From, range.To) switch
        {
            ({ } from, null) => BlobRange.From(from),
            ({ } from, { } to) when to >= from => BlobRange.Slice(from, to - from + 1),
            (null, { } suffix) when suffix > 0 => BlobRange.Last(suffix),
            _ => null,
        };
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var candidate in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for If-None-Match.
                if (candidate == "*" || StripWeak(candidate) == StripWeak(etag))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string StripWeak(string etag) => etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;

    private static void SetCachingHeaders(HttpResponse response, BlobProperties properties)
    {
        response.Headers.CacheControl = ImmutableCaching;
        response.Headers.ETag = properties.ETag;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.LastModified = properties.LastModified.ToString("R", CultureInfo.InvariantCulture);
    }

    private static Task NotFoundAsync(HttpContext context) => GatewayProblems.NotFoundAsync(context).AsTask();
}
