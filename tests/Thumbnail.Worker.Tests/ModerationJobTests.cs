using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>
/// Jobs of moderation <c>auto</c> end to end in the worker: rendered, the <c>small</c> rendition re-encoded and sent to
/// the real classifier, and the verdict reported to Gallery.Api (a loopback stand-in that records the report).
/// </summary>
[Collection(ClassifierCollection.Name)]
public sealed class ModerationJobTests(ClassifierServer classifier)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AJobThatAsksForClassificationReportsTheClassifiersVerdictWithTheRenditions()
    {
        await using var gallery = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status204NoContent);
        await using var harness = await StartWorkerAsync(gallery, classifier.BaseAddress, classifier.Secret);
        var durations = new List<(double Seconds, string? Verdict)>();
        using var listener = ListenToClassifyDurations(harness, durations);

        var report = await RunJobAsync(harness, gallery, LabelledImage.Landscape, classify: true);

        var classification = Assert.IsType<PhotoClassification>(report.Classification);
        Assert.Equal((ClassifierVerdict.Allow, "nsfwjs-mobilenetv2", null), (classification.Verdict, classification.Classifier, classification.Note));
        Assert.Equal("Neutral", classification.Labels[0].Label);
        Assert.Equal(5, classification.Labels.Count);
        Assert.True(classification.ElapsedMs > 0);
        Assert.Equal(3, report.Renditions.Count);
        var (seconds, verdict) = Assert.Single(durations);
        Assert.Equal("allow", verdict);
        Assert.True(seconds > 0);
    }

    [Fact]
    public async Task AJobThatDoesNotAskReportsNoClassificationAndNeverCallsTheClassifier()
    {
        await using var gallery = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status204NoContent);
        await using var standIn = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status500InternalServerError);
        await using var harness = await StartWorkerAsync(gallery, standIn.BaseAddress);

        var report = await RunJobAsync(harness, gallery, LabelledImage.Cartoon, classify: false);

        Assert.Null(report.Classification);
        Assert.Empty(standIn.Requests);
    }

    [Fact]
    public async Task AJobWhoseClassifierFailsStillCompletesWithTheHoldVerdict()
    {
        await using var gallery = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status204NoContent);
        await using var failing = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status503ServiceUnavailable);
        await using var harness = await StartWorkerAsync(gallery, failing.BaseAddress);

        var report = await RunJobAsync(harness, gallery, LabelledImage.Cartoon, classify: true);

        Assert.Equal((ClassifierVerdict.Hold, "unavailable"), (report.Classification?.Verdict, report.Classification?.Classifier));
        Assert.Equal("The classifier answered 503 Service Unavailable.", report.Classification?.Note);
        var sent = Assert.Single(failing.Requests);
        Assert.Equal([0xFF, 0xD8], sent.Body[..2]); // a JPEG, made from a rendition
    }

    /// <summary>The worker's pieces reporting to <paramref name="gallery"/> and asking the classifier at <paramref name="classifierEndpoint"/>.</summary>
    private static Task<WorkerHarness> StartWorkerAsync(LoopbackReceiver gallery, Uri classifierEndpoint, string? secret = null) =>
        WorkerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Worker:GalleryBaseAddress"] = gallery.BaseAddress.ToString(),
            ["Classifier:Endpoint"] = classifierEndpoint.ToString(),
            ["Classifier:Secret"] = secret,
        }, cancellationToken: Cancellation);

    /// <summary>Stores a labelled original, runs its job through the handler, and returns what Gallery.Api was told.</summary>
    private static async Task<RenditionsCompletedRequest> RunJobAsync(WorkerHarness harness, LoopbackReceiver gallery, LabelledImage image, bool classify)
    {
        var path = await LabelledImages.CreateAsync(harness.Files.Path, image, "png", Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation) with { Classify = classify };
        await harness.SendAsync(job, Cancellation);
        var message = await harness.ReceiveAsync(TimeSpan.FromSeconds(60), Cancellation);

        var outcome = await harness.Handler.HandleAsync(message, Cancellation);

        Assert.Equal(JobOutcome.Completed, outcome);
        var report = Assert.Single(gallery.Requests);
        Assert.Equal($"/internal/photos/{job.PhotoId:D}/renditions", report.Path);
        return System.Text.Json.JsonSerializer.Deserialize(report.Body, ContractsJsonContext.Default.RenditionsCompletedRequest)!;
    }

    private static MeterListener ListenToClassifyDurations(WorkerHarness harness, List<(double Seconds, string? Verdict)> durations)
    {
        var meter = harness.Host.Services.GetRequiredService<ServiceTelemetry>().Meter;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == "scrapbook.thumbnail.classify.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "verdict")
                {
                    durations.Add((value, tag.Value as string));
                }
            }
        });
        listener.Start();
        return listener;
    }
}
