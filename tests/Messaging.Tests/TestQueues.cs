using System.Diagnostics;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Messaging.Tests;

internal static class TestQueues
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static string UniqueName(string prefix = "jobs") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A queue service client as the hosting code makes it: base64 message text.</summary>
    public static QueueServiceClient StorageService(AzuriteServer azurite) =>
        new(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public static async Task<StorageQueueJobQueue> CreateStorageAsync(AzuriteServer azurite, IConnectionMultiplexer? redis, JobQueueOptions? options = null, string? name = null)
    {
        var queue = OpenStorage(azurite, name ?? UniqueName(), redis, options);
        await queue.EnsureCreatedAsync(Cancellation);
        return queue;
    }

    /// <summary>Another client on an existing queue, as another process would have.</summary>
    public static StorageQueueJobQueue OpenStorage(AzuriteServer azurite, string name, IConnectionMultiplexer? redis, JobQueueOptions? options = null) =>
        new(StorageService(azurite), name, redis, options ?? new JobQueueOptions(), NullLogger<StorageQueueJobQueue>.Instance);

    /// <summary>Waits until <paramref name="count"/> receives are waiting on the empty queue, so a send lands while they wait.</summary>
    public static async Task WaitForWaitingReceiversAsync(StorageQueueJobQueue queue, int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(queue.WaitingReceivers >= count), TimeSpan.FromSeconds(10), $"{count} receive(s) waiting on {queue.Name}");
    }

    /// <summary>
    /// One job from <paramref name="sender"/> through <paramref name="receiver"/>, so both have open connections, as in a running
    /// system, before a test times a delivery.
    /// </summary>
    public static async Task WarmUpAsync(IJobQueue sender, IJobQueue receiver)
    {
        await sender.SendAsync(NewJob("warm-up"), Cancellation);
        var received = Assert.Single(await receiver.ReceiveAsync(1, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), Cancellation));
        Assert.True(await receiver.CompleteAsync(received, Cancellation));
    }

    public static OutgoingJob NewJob(string? text = null, string? traceparent = null)
    {
        var id = Guid.NewGuid().ToString("N");
        return new OutgoingJob(id, BinaryData.FromString(text ?? $"{{\"job\":\"{id}\"}}"), traceparent);
    }
}

/// <summary>Polling with a deadline, for the things a test cannot await directly.</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(20);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout} waiting for {what}.");
            }

            await Task.Delay(s_interval, TestContext.Current.CancellationToken);
        }
    }
}
