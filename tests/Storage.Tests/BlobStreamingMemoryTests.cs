using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// A 100 MB blob goes up from a generated stream and comes back, checked byte by byte, while the test process's
/// managed heap stays flat. Runs alone so other tests' allocations don't blur the numbers.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class BlobStreamingMemoryTests(AzuriteServer azurite, ITestOutputHelper output)
{
    private const long Size = 100L * 1024 * 1024;
    private const long Budget = 16L * 1024 * 1024;

    [Fact]
    public async Task AHundredMegabytePutAndReadKeepManagedMemoryFlat()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var store = await StorageTestStores.CreateAsync(azurite);
        var readBuffer = new byte[81920];

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var peak = heapBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(
            async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
                try
                {
                    while (await timer.WaitForNextTickAsync(sampling.Token))
                    {
                        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                    }
                }
                catch (OperationCanceledException)
                {
                    // Sampling ends when the transfer does.
                }
            },
            cancellation);

        var outcome = await store.PutIfAbsentAsync("big/100mb.bin", new PatternStream(Size), cancellationToken: cancellation);

        long position = 0;
        await using (var download = await store.OpenReadAsync("big/100mb.bin", cancellationToken: cancellation))
        {
            Assert.NotNull(download);
            Assert.Equal(Size, download.Properties.Length);
            int read;
            while ((read = await download.Content.ReadAsync(readBuffer, cancellation)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (readBuffer[i] != PatternStream.ByteAt(position + i))
                    {
                        Assert.Fail($"Byte {position + i} differs from what was written.");
                    }
                }

                position += read;
            }
        }

        await sampling.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine(
            $"Azure.Storage.Blobs on Azurite: 100 MB put+read; managed heap {Mb(heapBefore)} -> {Mb(heapAfter)} MB (growth {Mb(heapAfter - heapBefore)} MB, " +
            $"peak +{Mb(peak - heapBefore)} MB); allocated during transfer {Mb(allocated)} MB");

        Assert.Equal(BlobPutOutcome.Created, outcome);
        Assert.Equal(Size, position);
        Assert.True(heapAfter - heapBefore < Budget, $"Managed heap grew by {Mb(heapAfter - heapBefore)} MB.");
        Assert.True(peak - heapBefore < Budget * 2, $"Managed heap peaked {Mb(peak - heapBefore)} MB above the start.");
        Assert.True(allocated < Budget, $"{Mb(allocated)} MB were allocated to move 100 MB: the body is being buffered.");
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
