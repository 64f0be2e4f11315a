using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>RFC 9457 answers with the stable <c>type</c> URIs of <see cref="ProblemTypes"/>.</summary>
internal static class Problems
{
    public static ProblemHttpResult Malformed(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The request is malformed.", type: ProblemTypes.Malformed);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.", type: ProblemTypes.Forbidden);

    public static ProblemHttpResult PhotoNotFound(Guid id) =>
        TypedResults.Problem($"There is no photo {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);

    public static ProblemHttpResult AlbumNotFound(Guid id) =>
        TypedResults.Problem($"You have no album {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);

    public static ProblemHttpResult QuotaExceeded() =>
        TypedResults.Problem(
            "You have as many photos as this Scrapbook keeps for one person. Delete some to make room.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Storage quota reached.",
            type: ProblemTypes.QuotaExceeded);

    public static ProblemHttpResult UploadsClosed() =>
        TypedResults.Problem(
            "Uploads are closed right now. Try again later.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Uploads are closed.",
            type: ProblemTypes.UploadsClosed);
}
