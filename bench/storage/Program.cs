using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scrapbook.Storage;
using Scrapbook.Testing;

// Blob put/get throughput of the Azure Blob REST store (against whatever ConnectionStrings__blobs names, Azurite in
// run.sh) and of the filesystem store (ConnectionStrings__fsblobs = file:///…), same sizes, same process, same run.
// Configured exactly as a service would be: AddBlobStore reads the connection strings and creates the container.
const string AzureContainer = "bench";
const string FileSystemKey = "bench-fs";
const int Rounds = 3;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddBlobStore("blobs", AzureContainer).AddBlobStore("fsblobs", FileSystemKey);
using var host = builder.Build();
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
await host.StartAsync(timeout.Token);

var azure = host.Services.GetRequiredKeyedService<IBlobStore>(AzureContainer);
var fileSystem = host.Services.GetRequiredKeyedService<IBlobStore>(FileSystemKey);

(string Label, int SizeMb, int Count, bool Seekable)[] cases =
[
    ("1 MB x 32", 1, 32, true),
    ("16 MB x 4", 16, 4, true),
    ("64 MB x 2", 64, 2, true),
    ("64 MB x 2, unseekable", 64, 2, false),
];

var payload = new byte[cases.Max(c => c.SizeMb) * 1024 * 1024];
Random.Shared.NextBytes(payload);
var readBuffer = new byte[128 * 1024];

// Warm up connections, JIT and both stores' code paths before anything is timed.
await MeasureAsync(azure, "warmup", 1, 4, seekable: true, timeout.Token);
await MeasureAsync(fileSystem, "warmup", 1, 4, seekable: true, timeout.Token);

Console.WriteLine($"Scrapbook.Storage blob throughput, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| Case | Azure REST put MB/s | Filesystem put MB/s | put ratio | Azure REST get MB/s | Filesystem get MB/s | get ratio |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (var (label, sizeMb, count, seekable) in cases)
{
    // Rounds alternate between the stores so background load on a shared machine hits both alike; report medians.
    var azureRounds = new List<(double Put, double Get)>();
    var diskRounds = new List<(double Put, double Get)>();
    for (var round = 0; round < Rounds; round++)
    {
        azureRounds.Add(await MeasureAsync(azure, label, sizeMb, count, seekable, timeout.Token));
        diskRounds.Add(await MeasureAsync(fileSystem, label, sizeMb, count, seekable, timeout.Token));
    }

    var onAzure = (Put: Median(azureRounds.Select(r => r.Put)), Get: Median(azureRounds.Select(r => r.Get)));
    var onDisk = (Put: Median(diskRounds.Select(r => r.Put)), Get: Median(diskRounds.Select(r => r.Get)));
    Console.WriteLine(
        $"| {label} | {onAzure.Put:0} | {onDisk.Put:0} | {onAzure.Put / onDisk.Put:0.00} | {onAzure.Get:0} | {onDisk.Get:0} | {onAzure.Get / onDisk.Get:0.00} |");
}

Console.WriteLine();
Console.WriteLine($"median of {Rounds} rounds; ratio = Azure REST store (Azurite on loopback) / filesystem store; puts are put-if-absent of new keys,");
Console.WriteLine("seekable puts stream one Put Blob, unseekable ones go as 4 MiB Put Block + Put Block List; the filesystem fsyncs each blob.");

await host.StopAsync(timeout.Token);

async Task<(double Put, double Get)> MeasureAsync(IBlobStore store, string label, int sizeMb, int count, bool seekable, CancellationToken cancellationToken)
{
    var size = sizeMb * 1024 * 1024;
    var prefix = $"{label.Replace(' ', '-').Replace(',', '-')}/{Guid.NewGuid():N}";

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
            if (await store.PutIfAbsentAsync($"{prefix}/{i}", content, cancellationToken: cancellationToken) != BlobPutOutcome.Created)
            {
                throw new InvalidOperationException($"{prefix}/{i} already existed.");
            }
        }
    }

    put.Stop();

    var get = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await using var download = await store.OpenReadAsync($"{prefix}/{i}", cancellationToken: cancellationToken)
            ?? throw new InvalidOperationException($"{prefix}/{i} is missing.");
        long total = 0;
        int read;
        while ((read = await download.Content.ReadAsync(readBuffer, cancellationToken)) > 0)
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
