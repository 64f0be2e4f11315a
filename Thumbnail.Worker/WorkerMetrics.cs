using System.Diagnostics.Metrics;
using Scrapbook.Contracts;
using Scrapbook.Thumbnail.Worker.Classification;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>What a job ended as, the <c>outcome</c> tag of <c>scrapbook.thumbnail.jobs.processed</c>.</summary>
internal enum JobOutcome
{
    /// <summary>Renditions stored, Gallery.Api acknowledged, message deleted.</summary>
    Completed,

    /// <summary>Gallery.Api no longer knows the photo (deleted meanwhile); the message was dropped.</summary>
    PhotoGone,

    /// <summary>The photo was reported failed and the message moved to the poison queue.</summary>
    Failed,

    /// <summary>An attempt failed; the message becomes visible again for another delivery.</summary>
    Retried,

    /// <summary>The worker stopped mid-job and handed the message back at once.</summary>
    Released,

    /// <summary>The message's visibility lapsed and another receiver holds it now; this attempt stopped quietly.</summary>
    LeaseLost,
}

/// <summary>The worker's instruments, on the service's own <see cref="Meter"/>.</summary>
internal sealed class WorkerMetrics
{
    private readonly Counter<long> _processed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _renderDuration;
    private readonly Histogram<double> _classifyDuration;

    public WorkerMetrics(ServiceTelemetry telemetry)
    {
        var meter = telemetry.Meter;
        _processed = meter.CreateCounter<long>("scrapbook.thumbnail.jobs.processed", "{job}", "Thumbnail job deliveries handled, by outcome.");
        _failed = meter.CreateCounter<long>("scrapbook.thumbnail.jobs.failed", "{job}", "Photos given up on (reported failed and poisoned), by reason.");
        _renderDuration = meter.CreateHistogram<double>("scrapbook.thumbnail.render.duration", "s", "Time spent rendering one original's presets.");
        _classifyDuration = meter.CreateHistogram<double>("scrapbook.thumbnail.classify.duration", "s", "Time spent on the automatic moderation step of one photo: re-encoding a rendition and asking the classifier.");
    }

    public void JobProcessed(JobOutcome outcome) =>
        _processed.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeName(outcome)));

    /// <param name="reason"><c>rejected</c> (a bad image), <c>exhausted</c> (out of deliveries) or <c>malformed</c> (unreadable message).</param>
    public void JobFailed(string reason) =>
        _failed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RenderDuration(TimeSpan elapsed, int presets) =>
        _renderDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("presets", presets));

    /// <param name="outcome"><c>classified</c>, or <c>unavailable</c> when the failure verdict stood in for the classifier's.</param>
    public void ClassifyDuration(TimeSpan elapsed, ClassifierVerdict verdict, string outcome) =>
        _classifyDuration.Record(
            elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("verdict", ModerationStep.VerdictName(verdict)),
            new KeyValuePair<string, object?>("outcome", outcome));

    private static string OutcomeName(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Completed => "completed",
        JobOutcome.PhotoGone => "photo_gone",
        JobOutcome.Failed => "failed",
        JobOutcome.Retried => "retried",
        JobOutcome.Released => "released",
        JobOutcome.LeaseLost => "lease_lost",
        _ => "unknown",
    };
}
