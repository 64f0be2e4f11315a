using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker.Tests;

public sealed class MessageLeaseTests
{
    private static readonly TimeSpan s_visibility = TimeSpan.FromSeconds(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ALeaseKeepsALongJobHiddenFromAnotherReceiverUntilItEnds()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        await harness.SendAsync(WorkerHarness.JobFor(new string('b', 64)), Cancellation);
        var received = await harness.ReceiveAsync(s_visibility, Cancellation);

        await using var lease = MessageLease.Start(harness.Queue, received, s_visibility, NullLogger.Instance, Cancellation);

        // Three visibility timeouts long, another receiver finds nothing.
        Assert.Null(await harness.TryReceiveAsync(s_visibility, s_visibility * 3, Cancellation));
        Assert.False(lease.IsLost);
        var current = await lease.StopAsync();
        Assert.NotNull(current);
        Assert.True(current.LockedUntil > received.LockedUntil);
        Assert.True(await harness.Queue.CompleteAsync(current, Cancellation));
    }

    [Fact]
    public async Task ALeaseWhoseMessageWasReceivedElsewhereIsLostAndCancelsTheJob()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        await harness.SendAsync(WorkerHarness.JobFor(new string('c', 64)), Cancellation);
        var first = await harness.ReceiveAsync(TimeSpan.FromSeconds(1), Cancellation);
        var second = await harness.ReceiveAsync(TimeSpan.FromSeconds(30), Cancellation); // reappeared: someone else holds it

        await using var lease = MessageLease.Start(harness.Queue, first, TimeSpan.FromSeconds(1), NullLogger.Instance, Cancellation);
        var lost = new TaskCompletionSource();
        using (lease.Token.Register(lost.SetResult))
        {
            await lost.Task.WaitAsync(WorkerHarness.Deadline, Cancellation);
        }

        Assert.True(lease.IsLost);
        Assert.Null(await lease.StopAsync());
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.True(await harness.Queue.CompleteAsync(second, Cancellation));
    }

    [Fact]
    public async Task ReleasingALeaseMakesTheMessageVisibleAgainAtOnce()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        await harness.SendAsync(WorkerHarness.JobFor(new string('d', 64)), Cancellation);
        var received = await harness.ReceiveAsync(TimeSpan.FromMinutes(5), Cancellation);
        await using var lease = MessageLease.Start(harness.Queue, received, TimeSpan.FromMinutes(5), NullLogger.Instance, Cancellation);

        await lease.ReleaseAsync(TimeSpan.Zero, Cancellation);

        var again = await harness.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Cancellation);
        Assert.NotNull(again);
        Assert.Equal((received.MessageId, 2L), (again.MessageId, again.DeliveryCount));
    }
}
