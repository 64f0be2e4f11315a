using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Networking;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Upload.Api.Gallery;
using Scrapbook.Upload.Api.Uploads;
using Scrapbook.Upload.Api.UrlFetch;

namespace Scrapbook.Upload.Api.Apis;

/// <summary>
/// <c>POST /api/uploads</c> and <c>POST /api/uploads/url</c>.
/// </summary>
/// <remarks>
/// <para>Owners are token holders: an upload without a token is 401, never given a fresh token on
/// the fly — a photo nobody can later edit or delete is worse than one extra request to <c>POST /api/session</c>.</para>
/// <para>One image (a raw <c>image/*</c> body, or multipart with one file): 202 + <c>Location</c> + the photo,
/// 200 + the photo when this owner already has these bytes, or a ProblemDetails.</para>
/// <para>Several files in one multipart request: 202 with a JSON array of <see cref="UploadItemResult"/>, one per
/// file in request order, each with the status a single upload of that file would have had. What concerns the
/// whole request — 400, 401, 403 uploads closed, 413 a file past the limit while streaming, 503 Gallery.Api down —
/// is one ProblemDetails for the request.</para>
/// <para>Multipart fields <c>caption</c> and <c>author</c> apply to every file of the request, wherever they are in
/// the body; a raw body takes them from the query string.</para>
/// </remarks>
public static partial class UploadsApi
{
    private const int MultipartOverheadBytes = 1024 * 1024;
    private const int UrlRequestMaxBytes = 16 * 1024;
    private const int MaxFieldParts = 16;

    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/uploads").WithTags("Uploads").RequireAuthorization(ScrapbookPolicies.Owner);
        api.MapPost("", UploadAsync)
            .WithName("Upload")
            .WithSummary("Upload images")
            .WithDescription(
                "One image as a raw `image/*` body (caption and author in the query string), or one or more as multipart " +
                "`file` parts with optional `caption` and `author` fields. One image: 202 with the photo and its `Location`, " +
                "or 200 with the photo this owner already has with these bytes. Several: 202 with one result per file, in order.")
            .AddOpenApiOperationTransformer(DescribeUploadBody)
            .ProducesProblems(
                ProblemTypes.Malformed, ProblemTypes.UploadsClosed, ProblemTypes.QuotaExceeded, ProblemTypes.TooLarge,
                ProblemTypes.UnsupportedFormat, ProblemTypes.UndecodableImage, ProblemTypes.TooManyPixels, ProblemTypes.TooManyFrames,
                ProblemTypes.RateLimited, ProblemTypes.DependencyDown);

        // A guest link is the authorization here (its token is the route's), beside the guest's own owner token.
        app.MapPost("/api/shared/{token}/uploads", UploadAsync)
            .WithTags("Share links")
            .RequireAuthorization(ScrapbookPolicies.GuestUpload)
            .WithName("UploadAsGuest")
            .WithSummary("Add photos to a shared album")
            .WithDescription(
                "Through a guest link (one made with `allowUploads`): the same bodies and answers as `POST /api/uploads`, with your own " +
                "owner token (`POST /api/session` gives you one), into the link's album; no `albumId`. The photos are yours, shown in that " +
                "album only, after its owner's approval when the album asks for it. 404 for a link that does not work, 403 for one that " +
                "does not let you add photos.")
            .AddOpenApiOperationTransformer(DescribeUploadBody)
            .ProducesProblems(
                ProblemTypes.Malformed, ProblemTypes.Forbidden, ProblemTypes.NotFound, ProblemTypes.UploadsClosed, ProblemTypes.QuotaExceeded,
                ProblemTypes.TooLarge, ProblemTypes.UnsupportedFormat, ProblemTypes.UndecodableImage, ProblemTypes.TooManyPixels,
                ProblemTypes.TooManyFrames, ProblemTypes.RateLimited, ProblemTypes.DependencyDown);
        api.MapPost("/url", UploadFromUrlAsync)
            .WithName("UploadFromUrl")
            .WithSummary("Upload the image at a URL")
            .WithDescription("The service fetches the image (http or https, public addresses only) and treats it as an upload.")
            .Accepts<UrlUploadRequest>("application/json")
            .ProducesProblems(
                ProblemTypes.Malformed, ProblemTypes.UrlNotAllowed, ProblemTypes.UrlFetchFailed, ProblemTypes.UploadsClosed,
                ProblemTypes.QuotaExceeded, ProblemTypes.TooLarge, ProblemTypes.UnsupportedFormat, ProblemTypes.UndecodableImage,
                ProblemTypes.TooManyPixels, ProblemTypes.TooManyFrames, ProblemTypes.RateLimited, ProblemTypes.DependencyDown);
        return app;
    }

    /// <summary>The handler reads the body itself (streaming, no buffering), so the description says what it accepts.</summary>
    private static Task DescribeUploadBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["file"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = binary, Description = "One part per image." },
                            ["caption"] = text,
                            ["author"] = text,
                            ["albumId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "One of your albums for the photos to go into." },
                            ["sourceUrl"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri", Description = "The page the image was found on." },
                            ["sourceTitle"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "That page's title." },
                        },
                    },
                },
                ["image/*"] = new() { Schema = binary },
            },
        };
        operation.Parameters =
        [
            new OpenApiParameter { Name = "caption", In = ParameterLocation.Query, Description = "For a raw image body.", Schema = text },
            new OpenApiParameter { Name = "author", In = ParameterLocation.Query, Description = "For a raw image body.", Schema = text },
            new OpenApiParameter
            {
                Name = "albumId",
                In = ParameterLocation.Query,
                Description = "One of your albums for the photos to go into (checked before the body is read).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            },
            new OpenApiParameter { Name = "sourceUrl", In = ParameterLocation.Query, Description = "For a raw image body: the page it was found on.", Schema = text },
            new OpenApiParameter { Name = "sourceTitle", In = ParameterLocation.Query, Description = "For a raw image body: that page's title.", Schema = text },
        ];
        return Task.CompletedTask;
    }

    internal static async Task<Results<Accepted<PhotoDto>, Ok<PhotoDto>, Accepted<IReadOnlyList<UploadItemResult>>, ProblemHttpResult>> UploadAsync(
        HttpContext context,
        PhotoIntake intake,
        GalleryClient gallery,
        IOptions<UploadOptions> uploadOptions,
        IOptions<ImagingOptions> imagingOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        var options = uploadOptions.Value;
        var maxBytes = imagingOptions.Value.MaxBytes;

        var ownerId = context.User.GetOwnerId()!;
        var multipart = GetBoundary(request, out var boundary);
        if (!multipart && !IsRawImage(request))
        {
            return TypedResults.Problem(Problems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                ProblemTypes.UnsupportedFormat,
                "Send a multipart/form-data body or an image.",
                "POST /api/uploads takes multipart/form-data with one or more 'file' parts, or the bytes of one image (Content-Type image/*)."));
        }

        if (multipart && boundary is null)
        {
            return TypedResults.Problem(Problems.Malformed("The multipart/form-data Content-Type has no usable boundary."));
        }

        // Refuse what is declared too large before reading a byte of it, or asking anyone anything.
        var bodyLimit = multipart ? (maxBytes * options.MaxFilesPerRequest) + MultipartOverheadBytes : maxBytes;
        if (request.ContentLength is { } declared && declared > bodyLimit)
        {
            return TypedResults.Problem(multipart
                ? Problems.Create(
                    StatusCodes.Status413PayloadTooLarge,
                    ProblemTypes.TooLarge,
                    "The request is too large.",
                    $"One request may carry at most {options.MaxFilesPerRequest} images of at most {maxBytes} bytes each; this one declares {declared} bytes.")
                : Problems.TooLarge(maxBytes, declared));
        }

        // This endpoint counts bytes itself (413 at the first byte past the limit). Kestrel's own cap would cut a
        // legal 50 MB upload at its 30 MB default, and a cap at our limit would make Kestrel reset the connection
        // after our 413 instead of draining the rest (for at most its 5 s drain timeout), so that clients which only
        // read the answer once they have sent everything — .NET's HttpClient among them — never see it.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        if (ReadAlbumId(request.Query["albumId"]) is not (true, var albumId))
        {
            return TypedResults.Problem(AlbumIdMalformed());
        }

        // Set when the request came through a guest link (its policy checked that the link lets guests add photos).
        var shareLinkId = context.User.GetShareLinkId();
        if (shareLinkId is not null && albumId is not null)
        {
            return TypedResults.Problem(GuestAlbumIdRefused());
        }

        if (await CheckCanUploadAsync(context, gallery, options, loggers, ownerId, albumId, cancellationToken) is { } refused)
        {
            return refused;
        }

        var directory = options.ResolveTempDirectory();
        Directory.CreateDirectory(directory);
        var files = new List<ReceivedFile>();
        try
        {
            UploadMetadata metadata;
            if (multipart)
            {
                var (problem, fields) = await ReceiveMultipartAsync(request, boundary!, directory, maxBytes, options, albumId, files, cancellationToken);
                if (problem is not null)
                {
                    return TypedResults.Problem(problem);
                }

                if (shareLinkId is not null && fields!.AlbumId is not null)
                {
                    return TypedResults.Problem(GuestAlbumIdRefused());
                }

                metadata = fields! with { ShareLinkId = shareLinkId };
            }
            else
            {
                if (ReadText(request.Query["caption"], options.MaxCaptionLength) is not (true, var caption)
                    || ReadText(request.Query["author"], options.MaxAuthorLength) is not (true, var author))
                {
                    return TypedResults.Problem(TextTooLong(options));
                }

                var (sourceProblem, source) = ReadSource(request.Query["sourceUrl"], request.Query["sourceTitle"]);
                if (sourceProblem is not null)
                {
                    return TypedResults.Problem(sourceProblem);
                }

                metadata = new UploadMetadata(caption, author, albumId, source, shareLinkId);
                files.Add(await ReceivedFile.ReceiveAsync(request.Body, directory, maxBytes, fileName: null, cancellationToken));
            }

            if (files.Count == 0)
            {
                return TypedResults.Problem(Problems.Malformed("The multipart body has no file part."));
            }

            var outcomes = new List<FileOutcome>(files.Count);
            foreach (var file in files)
            {
                outcomes.Add(await intake.AcceptAsync(file, ownerId, metadata, cancellationToken));
            }

            if (outcomes.Count == 1)
            {
                return outcomes[0] switch
                {
                    { Status: StatusCodes.Status202Accepted, Photo: { } created } => TypedResults.Accepted(PhotoLocation(created), created),
                    { Status: StatusCodes.Status200OK, Photo: { } existing } => TypedResults.Ok(existing),
                    var rejected => TypedResults.Problem(rejected.Problem!),
                };
            }

            IReadOnlyList<UploadItemResult> results =
            [
                .. outcomes.Select((outcome, i) => new UploadItemResult(
                    files[i].FileName,
                    outcome.Status,
                    outcome.Photo is { } photo ? PhotoLocation(photo) : null,
                    outcome.Photo,
                    outcome.Problem)),
            ];
            return TypedResults.Accepted((string?)null, results);
        }
        catch (Exception ex) when (Problems.FromRefusal(ex) is { } refusal)
        {
            return TypedResults.Problem(refusal);
        }
        catch (GalleryUnavailableException ex)
        {
            return DependencyDown(context, options, loggers, ex);
        }
        catch (BadHttpRequestException ex)
        {
            return TypedResults.Problem(Problems.Create(ex.StatusCode, ProblemTypes.Malformed, "The request body could not be read.", ex.Message));
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }

    internal static async Task<Results<Accepted<PhotoDto>, Ok<PhotoDto>, ProblemHttpResult>> UploadFromUrlAsync(
        HttpContext context,
        PhotoIntake intake,
        GalleryClient gallery,
        UrlFetcher fetcher,
        IOptions<UploadOptions> uploadOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var ownerId = context.User.GetOwnerId()!;
        var (bodyProblem, body) = await ReadJsonAsync(
            context, UploadJsonContext.Default.UrlUploadRequest, UrlRequestMaxBytes, "{ \"url\": \"https://…\" }", cancellationToken);
        if (bodyProblem is not null)
        {
            return TypedResults.Problem(bodyProblem);
        }

        if (body?.Url is not { Length: > 0 and <= 8192 } text || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url))
        {
            return TypedResults.Problem(Problems.Malformed("'url' must be an absolute http or https URL."));
        }

        if (ReadText(body.Caption, options.MaxCaptionLength) is not (true, var caption)
            || ReadText(body.Author, options.MaxAuthorLength) is not (true, var author))
        {
            return TypedResults.Problem(TextTooLong(options));
        }

        var (sourceProblem, source) = ReadSource(body.Source?.Url, body.Source?.Title);
        if (sourceProblem is not null)
        {
            return TypedResults.Problem(sourceProblem);
        }

        try
        {
            // Refuses literal addresses and bad schemes without a network round trip; the connect-time check
            // inside the fetcher is what decides for names.
            fetcher.EnsureAllowed(url);
        }
        catch (DestinationNotAllowedException ex)
        {
            return TypedResults.Problem(Problems.UrlNotAllowed(ex.Message));
        }

        if (await CheckCanUploadAsync(context, gallery, options, loggers, ownerId, body.AlbumId, cancellationToken) is { } refused)
        {
            return refused;
        }

        var directory = options.ResolveTempDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            using var file = await fetcher.FetchAsync(url, directory, cancellationToken);
            return ToResult(await intake.AcceptAsync(file, ownerId, new UploadMetadata(caption, author, body.AlbumId, source), cancellationToken));
        }
        catch (DestinationNotAllowedException ex)
        {
            return TypedResults.Problem(Problems.UrlNotAllowed(ex.Message));
        }
        catch (UrlFetchFailedException ex)
        {
            return TypedResults.Problem(Problems.UrlFetchFailed(ex.Message));
        }
        catch (Exception ex) when (Problems.FromRefusal(ex) is { } refusal)
        {
            return TypedResults.Problem(refusal);
        }
        catch (GalleryUnavailableException ex)
        {
            return DependencyDown(context, options, loggers, ex);
        }
    }

    /// <summary>
    /// A small JSON body, read with its length capped at <paramref name="maxBytes"/>; a malformed-request problem when
    /// it is not JSON, too long or unreadable (<paramref name="example"/> shows what to send). The value may be null
    /// (the body <c>null</c>), which the caller judges.
    /// </summary>
    internal static async Task<(Microsoft.AspNetCore.Mvc.ProblemDetails? Problem, T? Value)> ReadJsonAsync<T>(
        HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, long maxBytes, string example, CancellationToken cancellationToken)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (Problems.Malformed($"Send a JSON body: {example}."), default);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        try
        {
            return (null, await JsonSerializer.DeserializeAsync(context.Request.Body, type, cancellationToken));
        }
        catch (JsonException ex)
        {
            return (Problems.Malformed("The body is not valid JSON: " + ex.Message), default);
        }
        catch (BadHttpRequestException ex)
        {
            return (Problems.Create(ex.StatusCode, ProblemTypes.Malformed, "The request body could not be read.", ex.Message), default);
        }
    }

    internal static async Task<ProblemHttpResult?> CheckCanUploadAsync(
        HttpContext context, GalleryClient gallery, UploadOptions options, ILoggerFactory loggers, string ownerId, Guid? albumId, CancellationToken cancellationToken)
    {
        // Asked before the body is read: nobody should send 50 MB to learn that uploads are closed or that the album
        // is not theirs. Gallery.Api checks both again when the photo is registered, which settles races.
        try
        {
            var settings = await gallery.GetSettingsAsync(cancellationToken);
            if (!settings.UploadsOpen)
            {
                return TypedResults.Problem(Problems.UploadsClosed());
            }

            return albumId is { } album && !await gallery.HasAlbumAsync(ownerId, album, cancellationToken)
                ? TypedResults.Problem(Problems.AlbumNotFound(album))
                : null;
        }
        catch (GalleryUnavailableException ex)
        {
            return DependencyDown(context, options, loggers, ex);
        }
    }

    internal static ProblemHttpResult DependencyDown(HttpContext context, UploadOptions options, ILoggerFactory loggers, GalleryUnavailableException ex)
    {
        LogGalleryUnavailable(loggers.CreateLogger(typeof(UploadsApi)), ex.Message, ex);
        context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(Problems.DependencyDown("The gallery cannot be reached."));
    }

    private static async Task<(Microsoft.AspNetCore.Mvc.ProblemDetails? Problem, UploadMetadata? Metadata)> ReceiveMultipartAsync(
        HttpRequest request, string boundary, string directory, long maxBytes, UploadOptions options, Guid? albumId, List<ReceivedFile> files, CancellationToken cancellationToken)
    {
        string? caption = null;
        string? author = null;
        string? sourceUrl = null;
        string? sourceTitle = null;
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        var sections = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                // Files and text fields are each bounded; so is how many parts there may be.
                if (++sections > options.MaxFilesPerRequest + MaxFieldParts)
                {
                    return (Problems.Malformed($"At most {options.MaxFilesPerRequest} files and {MaxFieldParts} fields per request."), null);
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return (Problems.Malformed("Every part needs a 'Content-Disposition: form-data' header."), null);
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (disposition.IsFileDisposition() || name is "file" or "files")
                {
                    if (files.Count == options.MaxFilesPerRequest)
                    {
                        return (Problems.Malformed($"At most {options.MaxFilesPerRequest} files per request."), null);
                    }

                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    files.Add(await ReceivedFile.ReceiveAsync(section.Body, directory, maxBytes, fileName, cancellationToken));
                    continue;
                }

                var limit = name switch
                {
                    "author" => options.MaxAuthorLength,
                    "sourceUrl" => PhotoSource.MaxUrlLength,
                    "sourceTitle" => PhotoSource.MaxTitleLength,
                    _ => options.MaxCaptionLength,
                };
                var (fits, value) = await ReadFieldAsync(section.Body, limit, cancellationToken);
                if (!fits)
                {
                    return (TextTooLong(options), null);
                }

                switch (name)
                {
                    case "caption":
                        caption = value;
                        break;
                    case "author":
                        author = value;
                        break;
                    case "sourceUrl":
                        sourceUrl = value;
                        break;
                    case "sourceTitle":
                        sourceTitle = value;
                        break;
                    case "albumId":
                        // Known only once read, unlike ?albumId=: Gallery.Api's registration is what checks it then.
                        if (ReadAlbumId(value) is not (true, var field))
                        {
                            return (AlbumIdMalformed(), null);
                        }

                        albumId = field;
                        break;
                    default:
                        // Anything a newer client sends.
                        break;
                }
            }
        }
        catch (InvalidDataException ex)
        {
            return (Problems.Malformed("The multipart body is malformed: " + ex.Message), null);
        }

        var (sourceProblem, source) = ReadSource(sourceUrl, sourceTitle);
        if (sourceProblem is not null)
        {
            return (sourceProblem, null);
        }

        return (null, new UploadMetadata(caption, author, albumId, source));
    }

    private static async Task<(bool Fits, string? Value)> ReadFieldAsync(Stream body, int maxLength, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
        var buffer = new char[maxLength + 1];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return read > maxLength ? (false, null) : (true, Normalize(new string(buffer, 0, read)));
    }

    internal static (bool Fits, string? Value) ReadText(string? text, int maxLength) =>
        text is { } t && t.Trim().Length > maxLength ? (false, null) : (true, Normalize(text));

    internal static Microsoft.AspNetCore.Mvc.ProblemDetails TextTooLong(UploadOptions options) =>
        Problems.Malformed($"A caption may be at most {options.MaxCaptionLength} characters, an author at most {options.MaxAuthorLength}.");

    /// <summary>Where the image was found, from fields, query or JSON: both absent is no source; a title without an address is refused.</summary>
    internal static (Microsoft.AspNetCore.Mvc.ProblemDetails? Problem, PhotoSource? Source) ReadSource(string? url, string? title)
    {
        url = Normalize(url);
        title = Normalize(title);
        if (url is null)
        {
            return title is null ? (null, null) : (Problems.Malformed("A source title needs a source address (sourceUrl)."), null);
        }

        var source = new PhotoSource(url, title);
        return source.Problem() is { } problem ? (Problems.Malformed(problem), null) : (null, source);
    }

    /// <summary>An album id from a query string or form field: absent is fine, anything but a GUID is not.</summary>
    internal static (bool Valid, Guid? AlbumId) ReadAlbumId(string? text) =>
        string.IsNullOrWhiteSpace(text) ? (true, null) : Guid.TryParse(text.Trim(), out var id) ? (true, id) : (false, null);

    private static Microsoft.AspNetCore.Mvc.ProblemDetails GuestAlbumIdRefused() =>
        Problems.Malformed("A guest link names its album itself: leave 'albumId' out.");

    internal static Microsoft.AspNetCore.Mvc.ProblemDetails AlbumIdMalformed() => Problems.Malformed("'albumId' must be the id of one of your albums.");

    private static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    internal static Results<Accepted<PhotoDto>, Ok<PhotoDto>, ProblemHttpResult> ToResult(FileOutcome outcome) =>
        outcome switch
        {
            { Status: StatusCodes.Status202Accepted, Photo: { } photo } => TypedResults.Accepted(PhotoLocation(photo), photo),
            { Status: StatusCodes.Status200OK, Photo: { } photo } => TypedResults.Ok(photo),
            _ => TypedResults.Problem(outcome.Problem!),
        };

    private static string PhotoLocation(PhotoDto photo) => $"/api/photos/{photo.Id}";

    private static bool GetBoundary(HttpRequest request, out string? boundary)
    {
        boundary = null;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var value = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        boundary = string.IsNullOrWhiteSpace(value) || value.Length > 70 ? null : value;
        return true;
    }

    /// <summary>The Content-Type only routes the body; the format is decided by content.</summary>
    private static bool IsRawImage(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
        && (mediaType.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || mediaType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gallery.Api unavailable: {Reason}")]
    private static partial void LogGalleryUnavailable(ILogger logger, string reason, Exception exception);
}
