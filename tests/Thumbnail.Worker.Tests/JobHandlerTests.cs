using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>The handler's queue bookkeeping where Gallery.Api is never reached (see the Gallery-backed tests for the rest).</summary>
public sealed class JobHandlerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AMessageThatIsNotAThumbnailJobGoesStraightToThePoisonQueue()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        await harness.Queue.SendAsync(BinaryData.FromString("{\"photoId\":\"not a guid\"}"), cancellationToken: Cancellation);
        var message = await harness.ReceiveAsync(TimeSpan.FromSeconds(2), Cancellation);

        var outcome = await harness.Handler.HandleAsync(message, Cancellation);

        Assert.Equal(JobOutcome.Failed, outcome);
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
        Assert.Equal((message.MessageId, 2L), (again.MessageId, again.DequeueCount));
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
}
