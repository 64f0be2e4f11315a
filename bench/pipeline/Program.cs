using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Testing;

// The real system, started by the AppHost (Aspire.Hosting.Testing: DCP, redis-server, Azurite, the five services), used as a
// browser uses it: every request goes through the gateway, and "ready" is the photo.ready event arriving on an open SSE
// connection (/api/events through the gateway) — renditions stored and the event sent, moderation off.
//   latency [COUNT] [CORPUS]      one 12 MP JPEG at a time (distinct bytes each): p50/p95 upload → ready, and where the time goes
//   throughput [COUNT] [CORPUS]   COUNT distinct 12–24 MP photos, 12 in flight: photos/s end to end, beside the engine's
//                                 in-process images/s on the same files with the same number of jobs (2)
var mode = args.Length > 0 ? args[0] : "latency";
var count = args.Length > 1 && args[1].Length > 0 ? int.Parse(args[1], CultureInfo.InvariantCulture) : mode == "latency" ? 50 : 36;
var corpusDirectory = args.Length > 2 ? args[2] : throw new ArgumentException("usage: <latency|throughput> COUNT CORPUS_DIR");
var corpus = Directory.GetFiles(corpusDirectory, "*.jpg").Order(StringComparer.Ordinal).ToArray();
if (corpus.Length == 0)
{
    throw new InvalidOperationException($"No JPEGs in {corpusDirectory}.");
}

const int Jobs = 2;
const int InFlight = 12;
await using var system = new ScrapbookApp
{
    // Two worker replicas with one job each: the same two jobs the in-process row gets.
    Configure = mode == "throughput"
        ? builder => builder.CreateResourceBuilder<ProjectResource>("thumbnail-worker").WithEnvironment("Worker__Concurrency", "1")
        : null,
};
var startedAt = Stopwatch.GetTimestamp();
await system.InitializeAsync();
Console.WriteLine($"system started by the AppHost in {Stopwatch.GetElapsedTime(startedAt).TotalSeconds:F0} s; gateway {system.GatewayUrl}");

using var http = system.CreateGatewayClient(TimeSpan.FromMinutes(2));
var token = await ScrapbookClient.NewOwnerTokenAsync(http);
await using var events = await ReadyEvents.OpenAsync(system.GatewayUrl);

return mode switch
{
    "latency" => await LatencyAsync(),
    "throughput" => await ThroughputAsync(),
    _ => throw new ArgumentException($"Unknown mode '{mode}'."),
};

async Task<int> LatencyAsync()
{
    var photo = corpus.First(f => Path.GetFileName(f).StartsWith("p12-", StringComparison.Ordinal));
    var bytes = await File.ReadAllBytesAsync(photo);
    Console.WriteLine($"photo: {Path.GetFileName(photo)}, {bytes.Length / 1024.0 / 1024.0:F1} MB; {count} uploads one at a time (+1 warm-up, not counted)");
    var latencies = new List<double>();
    var measured = new HashSet<string>(StringComparer.Ordinal);
    for (var i = 0; i <= count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        var id = await UploadAsync(ScrapbookClient.WithJpegComment(bytes, $"latency {i} {Guid.NewGuid()}"));
        await events.WaitForReadyAsync(id, TimeSpan.FromMinutes(2));
        if (i > 0)
        {
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            measured.Add(id);
        }
    }

    latencies.Sort();
    Console.WriteLine($"upload → ready (ms): p50 {Percentile(latencies, 50):F0}, p95 {Percentile(latencies, 95):F0}, mean {latencies.Average():F0}, min {latencies[0]:F0}, max {latencies[^1]:F0}");
    await PrintBreakdownAsync(measured);
    return 0;
}

async Task<int> ThroughputAsync()
{
    var files = Enumerable.Range(0, count).Select(i => corpus[i % corpus.Length]).ToArray();
    var megabytes = files.Select(f => new FileInfo(f).Length).Sum() / 1024.0 / 1024.0;
    Console.WriteLine($"{count} uploads drawn from {corpus.Length} distinct 12–24 MP photos ({megabytes:F0} MB in all), {InFlight} in flight, {Jobs} jobs");

    // Warm every process up first (JIT, connections, libvips), as the in-process row is warmed below.
    await events.WaitForReadyAsync(await UploadAsync(ScrapbookClient.WithJpegComment(await File.ReadAllBytesAsync(corpus[0]), $"warm-up {Guid.NewGuid()}")), TimeSpan.FromMinutes(2));

    var bodies = await Task.WhenAll(files.Select(async (f, i) => ScrapbookClient.WithJpegComment(await File.ReadAllBytesAsync(f), $"throughput {i} {Guid.NewGuid()}")));
    using var gate = new SemaphoreSlim(InFlight);
    var cpuBefore = CpuTime.Snapshot();
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(bodies.Select(async body =>
    {
        await gate.WaitAsync();
        try
        {
            await events.WaitForReadyAsync(await UploadAsync(body), TimeSpan.FromMinutes(5));
        }
        finally
        {
            gate.Release();
        }
    }));
    var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var endToEnd = count / wall;
    Console.WriteLine($"end to end: {endToEnd:F2} photos/s");
    CpuTime.PrintSince(cpuBefore, wall);

    await system.DisposeAsync(); // the in-process row gets the whole machine, as the system had it
    var engine = new VipsImaging(new ImagingOptions { Concurrency = Jobs });
    await engine.RenderAsync(corpus[0]);
    var next = -1;
    var ownBefore = Process.GetCurrentProcess().TotalProcessorTime;
    started = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, Jobs).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < files.Length)
        {
            await engine.RenderAsync(files[i]);
        }
    })));
    var inProcess = count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    var renderCpu = (Process.GetCurrentProcess().TotalProcessorTime - ownBefore).TotalSeconds;
    Console.WriteLine($"engine in process: {inProcess:F2} images/s ({Jobs} jobs, same files), {renderCpu:F1} CPU-s for the {count} renders");
    Console.WriteLine($"end to end / in process: {endToEnd / inProcess:P0}");
    return 0;
}

async Task<string> UploadAsync(byte[] body)
{
    using var response = await ScrapbookClient.UploadAsync(http, body, "image/jpeg", token);
    if (response.StatusCode != HttpStatusCode.Accepted)
    {
        throw new InvalidOperationException($"upload: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    return response.Headers.Location!.OriginalString.Split('/')[^1];
}

// Mean start (from the trace's first span) and duration of each span of the measured photos' traces, in start order:
// the waterfall of an average upload, read from the Aspire dashboard.
async Task PrintBreakdownAsync(HashSet<string> photoIds)
{
    IReadOnlyList<TimedSpan> spans = [];
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
    while (DateTime.UtcNow < deadline)
    {
        // Export is batched: wait until most traces are there.
        spans = await system.GetPhotoSpansAsync(photoIds, limit: 1000);
        if (spans.Select(s => s.TraceId).Distinct().Count() >= photoIds.Count * 9 / 10)
        {
            break;
        }

        await Task.Delay(1000);
    }

    var traces = spans.GroupBy(s => s.TraceId).ToList();
    Console.WriteLine($"where the time goes ({traces.Count} traces from the dashboard; mean over traces, ms):");
    Console.WriteLine("| service | span | starts at | takes |");
    Console.WriteLine("|---|---|---:|---:|");
    var rows = traces
        .SelectMany(trace =>
        {
            var origin = trace.Min(s => s.Start);
            // One row per (service, name); a name that repeats in a trace (three blob PUTs) is numbered.
            return trace.OrderBy(s => s.Start)
                .GroupBy(s => (s.Service, s.Name))
                .SelectMany(g => g.Select((s, n) => (Key: (s.Service, Name: g.Count() > 1 ? $"{s.Name} #{n + 1}" : s.Name), Start: (s.Start - origin).TotalMilliseconds, s.Duration.TotalMilliseconds)));
        })
        .GroupBy(r => r.Key)
        .Select(g => (g.Key.Service, g.Key.Name, Start: g.Average(r => r.Start), Duration: g.Average(r => r.TotalMilliseconds), g.Count()))
        .Where(r => r.Item5 >= traces.Count / 2)
        .OrderBy(r => r.Start);
    foreach (var (service, name, start, duration, _) in rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {service} | {name} | {start:F1} | {duration:F1} |"));
    }
}

static double Percentile(List<double> sorted, int p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];

/// <summary>One SSE connection through the gateway, completing a waiter when its photo's photo.ready (or photo.failed) arrives.</summary>
internal sealed class ReadyEvents : IAsyncDisposable
{
    private readonly SseConnection _connection;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    private ReadyEvents(SseConnection connection)
    {
        _connection = connection;
        _pump = Task.Run(PumpAsync);
    }

    public static async Task<ReadyEvents> OpenAsync(Uri gateway) => new(await SseConnection.OpenAsync(gateway));

    public async Task WaitForReadyAsync(string photoId, TimeSpan timeout)
    {
        var waiter = _waiters.GetOrAdd(photoId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await waiter.Task.WaitAsync(timeout);
    }

    private async Task PumpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            SseFrame frame;
            try
            {
                frame = await _connection.NextAsync(f => f.Event is EventTypes.PhotoReady or EventTypes.PhotoFailed, Timeout.InfiniteTimeSpan, _stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
            {
                return; // stopping, or the system went away first
            }

            var id = System.Text.Json.JsonDocument.Parse(frame.Data!).RootElement.GetProperty("id").GetString()!;
            var waiter = _waiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (frame.Event == EventTypes.PhotoReady)
            {
                waiter.TrySetResult();
            }
            else
            {
                waiter.TrySetException(new InvalidOperationException($"photo {id} failed: {frame.Data}"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}

/// <summary>CPU time (user + system) of every process on the machine, from /proc, grouped by what the process is.</summary>
internal static class CpuTime
{
    private static readonly double s_ticksPerSecond = 100; // USER_HZ on Linux

    public static Dictionary<int, (string Name, long Ticks)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                var command = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                result[pid] = (Name(pid, command), ticks);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }

        return result;
    }

    public static void PrintSince(Dictionary<int, (string Name, long Ticks)> before, double wallSeconds)
    {
        var after = Snapshot();
        var used = after
            .Select(p => (p.Value.Name, Ticks: p.Value.Ticks - (before.TryGetValue(p.Key, out var b) && b.Name == p.Value.Name ? b.Ticks : 0)))
            .GroupBy(p => p.Name)
            .Select(g => (Name: g.Key, Seconds: g.Sum(p => p.Ticks) / s_ticksPerSecond))
            .Where(p => p.Seconds >= 0.05)
            .OrderByDescending(p => p.Seconds)
            .ToList();
        var total = used.Sum(p => p.Seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU during the run ({wallSeconds:F1} s wall, {Environment.ProcessorCount} cores = {wallSeconds * Environment.ProcessorCount:F0} CPU-s available; {total:F1} CPU-s used):"));
        Console.WriteLine("| process | CPU-s | share of used |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, seconds) in used)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {seconds:F1} | {seconds / total:P0} |"));
        }
    }

    private static string Name(int pid, string command) =>
        pid == Environment.ProcessId ? "this benchmark (client, SSE, the AppHost in process)"
        : command.Contains("azurite", StringComparison.Ordinal) ? "Azurite (node)"
        : command.StartsWith("redis-server", StringComparison.Ordinal) || command.Contains("/redis-server", StringComparison.Ordinal) ? "redis-server"
        : command.Contains("Scrapbook.Thumbnail.Worker", StringComparison.Ordinal) && !command.Contains(" run ", StringComparison.Ordinal) ? "thumbnail-worker (2 replicas)"
        : command.Contains("Scrapbook.Upload.Api", StringComparison.Ordinal) && !command.Contains(" run ", StringComparison.Ordinal) ? "upload-api"
        : command.Contains("Scrapbook.Gallery.Api", StringComparison.Ordinal) && !command.Contains(" run ", StringComparison.Ordinal) ? "gallery-api"
        : command.Contains("Scrapbook.Notify.Api", StringComparison.Ordinal) && !command.Contains(" run ", StringComparison.Ordinal) ? "notify-api"
        : command.Contains("Scrapbook.Gateway", StringComparison.Ordinal) && !command.Contains(" run ", StringComparison.Ordinal) ? "gateway"
        : command.Contains("/dcp", StringComparison.Ordinal) || command.StartsWith("dcp", StringComparison.Ordinal) ? "DCP"
        : command.Contains("Aspire.Dashboard", StringComparison.Ordinal) ? "Aspire dashboard"
        : command.Contains(" run ", StringComparison.Ordinal) && command.Contains("dotnet", StringComparison.Ordinal) ? "dotnet run wrappers"
        : "other";
}
