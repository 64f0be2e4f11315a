using System.Diagnostics;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scrapbook.Storage;
using Scrapbook.Testing;

// Blob put/get throughput of Scrapbook.Storage's IBlobStore (against whatever ConnectionStrings__blobs names, Azurite in
// run.sh) and, as the peer in the same process and run, of the same SDK calls made directly on the same BlobContainerClient
// (BlobClient.UploadAsync with the store's conditions and transfer options, DownloadStreamingAsync), so the wrapper's
// overhead shows. Configured exactly as a service would be: AddBlobStore reads the connection string and creates the container.
// "--smoke" runs small sizes once, to check the benchmark itself works.
const string Container = "bench";

var smoke = args.Contains("--smoke");
var rounds = smoke ? 1 : 3;
(string Label, int SizeMb, int Count, bool Seekable)[] cases = smoke
    ?
    [
        ("1 MB x 2", 1, 2, true),
        ("5 MB x 1", 5, 1, true),
        ("5 MB x 1, unseekable", 5, 1, false),
    ]
    :
    [
        ("1 MB x 32", 1, 32, true),
        ("16 MB x 4", 16, 4, true),
        ("64 MB x 2", 64, 2, true),
        ("64 MB x 2, unseekable", 64, 2, false),
    ];

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddBlobStore("blobs", Container);
using var host = builder.Build();
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
await host.StartAsync(timeout.Token);

var store = host.Services.GetRequiredKeyedService<IBlobStore>(Container);
var containerClient = host.Services.GetRequiredKeyedService<BlobContainerClient>(Container);

// What the store asks of the SDK: put-if-absent, a content type, 4 MiB blocks with two in flight, one Put Blob for
// seekable content up to 64 MiB. The store adds key validation, an existence check before seekable puts over one block,
// the mapping of 409 to AlreadyExists, and reading the total length from Content-Range.
var seekableTransfer = new StorageTransferOptions { InitialTransferSize = 64 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 2 };
var unseekableTransfer = new StorageTransferOptions { InitialTransferSize = 4 * 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 2 };

var payload = new byte[cases.Max(c => c.SizeMb) * 1024 * 1024];
Random.Shared.NextBytes(payload);
var readBuffer = new byte[128 * 1024];

var wrapper = new Peer(
    "IBlobStore",
    async (key, content, cancellationToken) =>
    {
        if (await store.PutIfAbsentAsync(key, content, cancellationToken: cancellationToken) != BlobPutOutcome.Created)
        {
            throw new InvalidOperationException($"{key} already existed.");
        }
    },
    async (key, cancellationToken) => (await store.OpenReadAsync(key, cancellationToken: cancellationToken))?.Content
        ?? throw new InvalidOperationException($"{key} is missing."));
var raw = new Peer(
    "SDK",
    async (key, content, cancellationToken) => await containerClient.GetBlobClient(key).UploadAsync(
        content,
        new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            TransferOptions = content.CanSeek ? seekableTransfer : unseekableTransfer,
        },
        cancellationToken),
    async (key, cancellationToken) => (await containerClient.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content);

// Warm up connections, JIT and both peers' code paths before anything is timed.
await MeasureAsync(wrapper, "warmup", 1, 4, seekable: true, timeout.Token);
await MeasureAsync(raw, "warmup", 1, 4, seekable: true, timeout.Token);

Console.WriteLine($"Scrapbook.Storage blob throughput, {Environment.ProcessorCount} cores, .NET {Environment.Version}{(smoke ? " (smoke run: small sizes, one round)" : string.Empty)}");
Console.WriteLine();
Console.WriteLine("| Case | IBlobStore put MB/s | SDK put MB/s | put ratio | IBlobStore get MB/s | SDK get MB/s | get ratio |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var (label, sizeMb, count, seekable) in cases)
{
    // Rounds alternate between the peers so background load on a shared machine hits both alike; report medians.
    var wrapperRounds = new List<(double Put, double Get)>();
    var rawRounds = new List<(double Put, double Get)>();
    for (var round = 0; round < rounds; round++)
    {
        wrapperRounds.Add(await MeasureAsync(wrapper, label, sizeMb, count, seekable, timeout.Token));
        rawRounds.Add(await MeasureAsync(raw, label, sizeMb, count, seekable, timeout.Token));
    }

    var viaStore = (Put: Median(wrapperRounds.Select(r => r.Put)), Get: Median(wrapperRounds.Select(r => r.Get)));
    var viaSdk = (Put: Median(rawRounds.Select(r => r.Put)), Get: Median(rawRounds.Select(r => r.Get)));
    Console.WriteLine(
        $"| {label} | {viaStore.Put:0} | {viaSdk.Put:0} | {viaStore.Put / viaSdk.Put:0.00} | {viaStore.Get:0} | {viaSdk.Get:0} | {viaStore.Get / viaSdk.Get:0.00} |");
}

Console.WriteLine();
Console.WriteLine($"median of {rounds} round(s); ratio = IBlobStore / direct SDK calls on the same BlobContainerClient (Azurite on loopback);");
Console.WriteLine("puts are put-if-absent of new keys: seekable ones up to 64 MiB stream one Put Blob (the store checks existence first above 4 MiB),");
Console.WriteLine("unseekable ones go as 4 MiB Put Block (two in flight) + Put Block List.");

await host.StopAsync(timeout.Token);

async Task<(double Put, double Get)> MeasureAsync(Peer peer, string label, int sizeMb, int count, bool seekable, CancellationToken cancellationToken)
{
    var size = sizeMb * 1024 * 1024;
    var prefix = $"{peer.Name}/{label.Replace(' ', '-').Replace(',', '-')}/{Guid.NewGuid():N}";

    var put = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        Stream content = new MemoryStream(payload, 0, size, writable: false);
        if (!seekable)
        {
            content = new NonSeekableStream(content);
        }

        await using (content)
        {
            await peer.PutAsync($"{prefix}/{i}", content, cancellationToken);
        }
    }

    put.Stop();

    var get = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await using var download = await peer.OpenAsync($"{prefix}/{i}", cancellationToken);
        long total = 0;
        int read;
        while ((read = await download.ReadAsync(readBuffer, cancellationToken)) > 0)
        {
            total += read;
        }

        if (total != size)
        {
            throw new InvalidOperationException($"{prefix}/{i} read {total} bytes, expected {size}.");
        }
    }

    get.Stop();

    var megabytes = (double)sizeMb * count;
    return (megabytes / put.Elapsed.TotalSeconds, megabytes / get.Elapsed.TotalSeconds);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}

/// <summary>One way of putting and reading blobs: through the store, or straight on the SDK.</summary>
internal sealed record Peer(string Name, Func<string, Stream, CancellationToken, Task> PutAsync, Func<string, CancellationToken, Task<Stream>> OpenAsync);
