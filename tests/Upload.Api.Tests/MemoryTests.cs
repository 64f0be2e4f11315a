using System.Net;
using System.Net.Http.Headers;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>
/// A 50 MB upload goes through the whole path (stream to disk with hashing, probe, blob store, Gallery.Api) while
/// the process allocates a small, size-independent amount. Runs alone, so the process-wide counter is ours.
/// </summary>
[Collection(MemoryCollection.Name)]
public sealed class MemoryTests(UploadApiFixture servers, ITestOutputHelper output)
{
    private const long Megabyte = 1024 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A50MegabyteUploadIsStreamedWithoutBeingHeldInMemory()
    {
        using var temp = new TempDirectory("upload-memory");
        var large = Path.Combine(temp.Path, "large.png");
        var small = Path.Combine(temp.Path, "small.png");
        TestImages.PngFile(large, 4150, 4150); // 49.3 MB of incompressible pixels, just under the 50 MB limit
        TestImages.PngFile(small, 1300, 1300); // 5 MB
        // Real Kestrel on loopback: its 30 MB default body limit and its buffers are part of what is measured.
        await using var api = servers.CreateUploadApi();
        api.UseKestrel(0);
        api.StartServer();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        await UploadAsync(client, Path.Combine(temp.Path, "warm-up.png"), warmUp: true);

        var smallAllocated = await UploadAsync(client, small);
        var largeAllocated = await UploadAsync(client, large);

        var largeLength = new FileInfo(large).Length;
        var message =
            $"upload of {largeLength / (double)Megabyte:0.0} MB: {largeAllocated / (double)Megabyte:0.0} MB allocated; " +
            $"upload of {new FileInfo(small).Length / (double)Megabyte:0.0} MB: {smallAllocated / (double)Megabyte:0.0} MB allocated " +
            "(whole test process: client, Kestrel, Upload.Api, blob client)";
        output.WriteLine(message);
        TestContext.Current.SendDiagnosticMessage(message);
        Assert.True(largeLength > 45 * Megabyte && largeLength <= 50 * Megabyte, $"{largeLength} bytes");
        Assert.True(largeAllocated < 4 * Megabyte, message);
        Assert.True(largeAllocated < smallAllocated + (2 * Megabyte), "allocations grow with the upload: " + message);

        var stored = await api.Blobs.GetPropertiesAsync(BlobKeys.Original(Requests.Sha256(await File.ReadAllBytesAsync(large, Cancellation))), Cancellation);
        Assert.Equal(largeLength, stored?.Length);
    }

    private static async Task<long> UploadAsync(HttpClient client, string path, bool warmUp = false)
    {
        if (warmUp)
        {
            TestImages.PngFile(path, 200, 200);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
        {
            using var content = new StreamContent(file, 81920);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            using var response = await client.PostAsync("/api/uploads", content, Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
        }

        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }
}
