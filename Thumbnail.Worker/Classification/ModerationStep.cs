using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>
/// The automatic moderation step of a job with <see cref="ThumbnailJob.Classify"/>: re-encodes the <c>small</c>
/// rendition just made (our own output, so no untrusted bytes reach the classifier) as a JPEG of at most
/// <see cref="ClassifierOptions.MaxSide"/> pixels, and asks the classifier. Never fails the job: whatever goes wrong
/// gives the failure verdict with a note.
/// </summary>
internal sealed partial class ModerationStep(
    IThumbnailRenderer renderer,
    IPhotoClassifier classifier,
    IOptions<ClassifierOptions> options,
    ServiceTelemetry telemetry,
    WorkerMetrics metrics,
    ILogger<ModerationStep> logger)
{
    private const string ClassifierPresetName = "classifier";

    public async Task<PhotoClassification> ClassifyAsync(Guid photoId, RenderResult rendered, CancellationToken cancellationToken = default)
    {
        using var activity = telemetry.ActivitySource.StartActivity("classify photo");
        activity?.SetTag("scrapbook.photo.id", photoId.ToString("D"));
        var started = Stopwatch.GetTimestamp();
        ReadOnlyMemory<byte> jpeg = default;
        try
        {
            jpeg = await EncodeForClassifierAsync(rendered, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogEncodeFailed(logger, ex, photoId);
        }

        var classification = jpeg.IsEmpty
            ? ClassifierVerdicts.Failed(options.Value, "The rendition could not be re-encoded as a JPEG for the classifier.", Stopwatch.GetElapsedTime(started))
            : await classifier.ClassifyAsync(jpeg, cancellationToken);

        var outcome = classification.Classifier == ClassifierVerdicts.Unavailable ? "unavailable" : "classified";
        metrics.ClassifyDuration(Stopwatch.GetElapsedTime(started), classification.Verdict, outcome);
        activity?.SetTag("scrapbook.classifier", classification.Classifier);
        activity?.SetTag("scrapbook.classifier.verdict", VerdictName(classification.Verdict));
        if (classification.Note is { } note && outcome == "unavailable")
        {
            activity?.SetStatus(ActivityStatusCode.Error, note);
        }

        LogClassified(logger, photoId, classification.Verdict, classification.Classifier, classification.Labels.FirstOrDefault()?.Label, classification.Labels.FirstOrDefault()?.Score);
        return classification;
    }

    internal static string VerdictName(ClassifierVerdict verdict) => verdict switch
    {
        ClassifierVerdict.Allow => "allow",
        ClassifierVerdict.Hold => "hold",
        ClassifierVerdict.Reject => "reject",
        _ => "unknown",
    };

    private async Task<ReadOnlyMemory<byte>> EncodeForClassifierAsync(RenderResult rendered, CancellationToken cancellationToken)
    {
        var source = rendered.Renditions.FirstOrDefault(r => r.Name == RenditionPreset.Small.Name)
            ?? rendered.Renditions.MaxBy(r => (long)r.Width * r.Height)
            ?? throw new InvalidOperationException("The job rendered no renditions.");
        var side = options.Value.MaxSide;
        await using var content = BinaryData.FromBytes(source.Content).ToStream();
        var result = await renderer.RenderAsync(
            content, [new RenditionPreset(ClassifierPresetName, side, side, RenditionFit.Fit, OutputFormat.Jpeg)], cancellationToken);
        return result.Renditions[0].Content;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId}: classifier verdict {Verdict} from {Classifier} (top label {Label} {Score})")]
    private static partial void LogClassified(ILogger logger, Guid photoId, ClassifierVerdict verdict, string classifier, string? label, double? score);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Photo {PhotoId}: the rendition could not be re-encoded for the classifier")]
    private static partial void LogEncodeFailed(ILogger logger, Exception exception, Guid photoId);
}
