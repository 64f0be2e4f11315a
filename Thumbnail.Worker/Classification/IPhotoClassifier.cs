using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>
/// The automatic moderation step's classifier. It is given a rendition the worker made (a JPEG), never the original
/// upload, and always answers a verdict: a classifier that fails gives the configured failure verdict with
/// <see cref="PhotoClassification.Classifier"/> <c>unavailable</c> and a note saying why, and never throws for that.
/// </summary>
internal interface IPhotoClassifier
{
    /// <param name="jpeg">The rendition as a baseline JPEG.</param>
    /// <param name="cancellationToken">Cancelled when the job stops; only then does this throw.</param>
    Task<PhotoClassification> ClassifyAsync(ReadOnlyMemory<byte> jpeg, CancellationToken cancellationToken = default);
}
