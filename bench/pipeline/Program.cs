using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Scrapbook.Contracts;
using StackExchange.Redis;
using Scrapbook.Testing;

// Upload → ready latency: the real Gallery.Api, Upload.Api and Thumbnail.Worker processes on real Redis,
// Azurite and SQLite (as PhotoPipeline starts them), one 12 MP JPEG uploaded N times with distinct bytes,
// one at a time. Latency = from sending POST /api/uploads to the photo.ready event for that photo appearing
// in the Redis stream (read on each of the relay's wake-ups, so no polling interval is added).
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
var (width, height) = (4000, 3000);

await using var pipeline = new PhotoPipeline();
await pipeline.InitializeAsync();

using var temp = new TempDirectory("scrapbook-bench");
var basePhoto = await MakePhotoAsync(temp.Path, width, height);
Console.WriteLine($"photo: {width}×{height} JPEG, {basePhoto.Length / 1024.0 / 1024.0:F1} MB; uploads: {count}, one at a time");

using var upload = new HttpClient { BaseAddress = pipeline.Upload.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
await using var redis = await ConnectionMultiplexer.ConnectAsync(pipeline.Servers.Redis.ConnectionString);
var wakeUps = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channels.EventWake));
var token = await ScrapbookClient.NewOwnerTokenAsync(upload);

var latencies = new List<double>();
var lastId = "0-0";
for (var i = 0; i < count + 1; i++)
{
    var body = WithComment(basePhoto, $"bench upload {i} {Guid.NewGuid()}");
    var started = Stopwatch.GetTimestamp();
    using var response = await ScrapbookClient.UploadAsync(upload, body, "image/jpeg", token);
    if (response.StatusCode != HttpStatusCode.Accepted)
    {
        throw new InvalidOperationException($"upload {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    var id = response.Headers.Location!.OriginalString.Split('/')[^1];
    lastId = await WaitForReadyAsync(redis.GetDatabase(), wakeUps, id, lastId);
    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (i > 0)
    {
        latencies.Add(elapsed); // the first upload warms every process up and is not counted
    }
}

latencies.Sort();
Console.WriteLine($"upload→ready ms: p50 {Percentile(latencies, 50):F0}, p95 {Percentile(latencies, 95):F0}, min {latencies[0]:F0}, max {latencies[^1]:F0} (n={latencies.Count})");
return 0;

static double Percentile(List<double> sorted, int p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];

static async Task<string> WaitForReadyAsync(IDatabase redis, ChannelMessageQueue wakeUps, string photoId, string afterId)
{
    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    while (true)
    {
        foreach (var entry in await redis.StreamReadAsync(Channels.EventStream, afterId, 100))
        {
            afterId = entry.Id.ToString();
            var data = entry["data"].ToString();
            if (entry["type"] == EventTypes.PhotoReady && data.Contains(photoId, StringComparison.OrdinalIgnoreCase))
            {
                return afterId;
            }

            if (entry["type"] == EventTypes.PhotoFailed && data.Contains(photoId, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"photo {photoId} failed: {data}");
            }
        }

        await wakeUps.ReadAsync(deadline.Token);
    }
}

// A JPEG comment segment right after SOI: a valid, distinct file without re-encoding.
static byte[] WithComment(byte[] jpeg, string comment)
{
    var text = Encoding.ASCII.GetBytes(comment);
    var segmentLength = text.Length + 2;
    var result = new byte[jpeg.Length + 2 + segmentLength];
    jpeg.AsSpan(0, 2).CopyTo(result);
    result[2] = 0xFF;
    result[3] = 0xFE;
    result[4] = (byte)(segmentLength >> 8);
    result[5] = (byte)segmentLength;
    text.CopyTo(result.AsSpan(6));
    jpeg.AsSpan(2).CopyTo(result.AsSpan(6 + text.Length));
    return result;
}

// Photo-like content: smooth gradients plus fine noise, so the JPEG is sized like a camera's (several MB).
static async Task<byte[]> MakePhotoAsync(string folder, int width, int height)
{
    var path = Path.Combine(folder, "photo.jpg");
    var w = width.ToString(CultureInfo.InvariantCulture);
    var h = height.ToString(CultureInfo.InvariantCulture);
    await RunAsync("vips", "perlin", Path.Combine(folder, "p.v"), w, h, "--cell-size", "256");
    await RunAsync("vips", "gaussnoise", Path.Combine(folder, "n.v"), w, h, "--sigma", "12");
    await RunAsync("vips", "linear", Path.Combine(folder, "p.v"), Path.Combine(folder, "p2.v"), "120", "128");
    await RunAsync("vips", "add", Path.Combine(folder, "p2.v"), Path.Combine(folder, "n.v"), Path.Combine(folder, "sum.v"));
    await RunAsync("vips", "bandjoin_const", Path.Combine(folder, "sum.v"), Path.Combine(folder, "rgb.v"), "90 60");
    await RunAsync("vips", "cast", Path.Combine(folder, "rgb.v"), path + "[Q=92]", "uchar");
    return await File.ReadAllBytesAsync(path);
}

static async Task RunAsync(string file, params string[] arguments)
{
    await using var process = await ServerProcess.StartAsync(file, arguments);
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
    if (await process.WaitForExitAsync(timeout.Token) != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {process.Output}");
    }
}
