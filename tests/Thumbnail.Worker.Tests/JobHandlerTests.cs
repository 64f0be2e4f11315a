using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>The handler's queue bookkeeping where Gallery.Api is never reached (see the Gallery-backed tests for the rest).</summary>
public sealed class JobHandlerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AMessageThatIsNotAThumbnailJobGoesStraightToThePoisonQueue()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        await harness.Queue.SendAsync(new OutgoingJob("malformed", BinaryData.FromString("{\"photoId\":\"not a guid\"}")), Cancellation);
        var message = await harness.ReceiveAsync(TimeSpan.FromSeconds(2), Cancellation);
        var measurements = new List<(string Instrument, string? Tag)>();
        using var listener = ListenTo(harness, measurements);

        var outcome = await harness.Handler.HandleAsync(message, Cancellation);

        Assert.Equal(JobOutcome.Failed, outcome);
        Assert.Equal([("scrapbook.thumbnail.jobs.failed", "malformed"), ("scrapbook.thumbnail.jobs.processed", "failed")], measurements.Order());
        var poisoned = await harness.TryReceivePoisonAsync(WorkerHarness.Deadline, Cancellation);
        Assert.NotNull(poisoned);
        Assert.Equal(message.Body.ToString(), poisoned.Body.ToString());
        Assert.Null(await harness.TryReceiveAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), Cancellation));
    }

    [Fact]
    public async Task AFailedDeliveryHandsTheMessageBackForAnotherTry()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var job = WorkerHarness.JobFor(new string('e', 64)); // its original was never stored
        await harness.SendAsync(job, Cancellation);
        var message = await harness.ReceiveAsync(TimeSpan.FromSeconds(30), Cancellation);

        var outcome = await harness.Handler.HandleAsync(message, Cancellation);

        Assert.Equal(JobOutcome.Retried, outcome);
        var again = await harness.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), Cancellation);
        Assert.NotNull(again);
        Assert.Equal((message.MessageId, 2L), (again.MessageId, again.DeliveryCount));
    }

    [Fact]
    public async Task AJobCancelledMidRenderReleasesItsMessageAtOnce()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "large.png", 6000, 4000, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);
        await harness.SendAsync(job, Cancellation);
        var message = await harness.ReceiveAsync(TimeSpan.FromMinutes(5), Cancellation);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var outcome = await harness.Handler.HandleAsync(message, stop.Token);

        Assert.Equal(JobOutcome.Released, outcome);
        var again = await harness.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Cancellation);
        Assert.NotNull(again);
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal(job, again.Body.ToObjectFromJson(ContractsJsonContext.Default.ThumbnailJob));
    }

    private static MeterListener ListenTo(WorkerHarness harness, List<(string Instrument, string? Tag)> measurements)
    {
        var meter = harness.Host.Services.GetRequiredService<ServiceTelemetry>().Meter;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, tags.Length > 0 ? tags[0].Value?.ToString() : null));
            }
        });
        listener.Start();
        return listener;
    }
}
