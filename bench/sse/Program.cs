using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

// Holds N server-sent-event connections (started by run.sh: to the Gateway's replicas, which forward them to
// Notify.Api, or straight to Notify.Api), XADDs events in the relay's format and measures, per event, the time from
// XADD to the moment the last connection had it, plus the resident memory per connection of Notify.Api and of the
// Gateway. Connections are raw sockets speaking HTTP/1.1 so the client stays small enough to hold 10,000 of them
// next to the servers on the same machine.

var options = BenchOptions.Parse(args);
await using var connection = await ConnectionMultiplexer.ConnectAsync(options.Redis);
var redis = connection.GetDatabase();
await redis.PingAsync();
var sequence = 0L;
var existing = await redis.StreamRangeAsync("scrapbook:events", count: 1, messageOrder: Order.Descending);
if (existing.Length > 0)
{
    sequence = long.Parse(existing[0].Id.ToString().Split('-')[0], CultureInfo.InvariantCulture);
}

var payload = """{"id":"0b6f6c53-3c0e-4d5e-9a43-7f0d8f3e2a11","status":"ready","caption":"Sunset over the harbour","author":"Ada","width":4000,"height":3000,"placeholder":"3OcRJYB4d3h/iIeHeEh3eIhw+j2w","renditions":[{"preset":"thumb","url":"/media/renditions/aa/thumb.webp","width":256,"height":256},{"preset":"small","url":"/media/renditions/aa/small.webp","width":640,"height":480},{"preset":"large","url":"/media/renditions/aa/large.webp","width":1600,"height":1200}]}""";

var rssBaseline = ReadRssKiB(options.NotifyPid);
var gatewayBaseline = options.GatewayPids.Sum(ReadRssKiB);
var clients = new List<SseClient>();
var rows = new List<string>();
var recorder = new Recorder();
var sources = Enumerable.Range(1, options.SourceAddresses).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToArray();

foreach (var target in options.Counts)
{
    var connectWatch = Stopwatch.StartNew();
    using (var gate = new SemaphoreSlim(64))
    {
        var opening = new List<Task<SseClient>>();
        for (var i = clients.Count; i < target; i++)
        {
            await gate.WaitAsync();
            var source = sources[i % sources.Length];
            var port = options.Ports[i % options.Ports.Length];
            opening.Add(Task.Run(async () =>
            {
                try
                {
                    return await SseClient.OpenAsync(source, options.Host, port, recorder);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        clients.AddRange(await Task.WhenAll(opening));
    }

    connectWatch.Stop();
    // Let the connections settle (first bytes flushed, GC after the burst) before reading memory.
    await Task.Delay(TimeSpan.FromSeconds(2));
    var rss = ReadRssKiB(options.NotifyPid);
    var gatewayRss = options.GatewayPids.Sum(ReadRssKiB);

    var lastClientMs = new List<double>();
    var deliveryMs = new List<double>();
    var missing = 0L;
    for (var e = 0; e < options.Events; e++)
    {
        var id = ++sequence;
        var slot = recorder.Begin(id, clients.Count);
        var added = Stopwatch.GetTimestamp();
        // As Gallery.Api's relay does: the append, then the wake-up that makes Notify.Api read it.
        var streamId = id.ToString(CultureInfo.InvariantCulture) + "-0";
        await redis.StreamAddAsync("scrapbook:events", [new("type", "photo.ready"), new("data", payload)], streamId, 10_000, useApproximateMaxLength: true);
        await connection.GetSubscriber().PublishAsync(RedisChannel.Literal("scrapbook:events:wake"), streamId);
        var done = await slot.WaitAsync(options.EventTimeout);
        var (last, all, count) = slot.Snapshot();
        missing += clients.Count - count;
        if (count > 0)
        {
            lastClientMs.Add(Stopwatch.GetElapsedTime(added, last).TotalMilliseconds);
            deliveryMs.AddRange(all.Select(t => Stopwatch.GetElapsedTime(added, t).TotalMilliseconds));
        }

        if (!done)
        {
            Console.Error.WriteLine($"event {id}: {count}/{clients.Count} clients within {options.EventTimeout.TotalSeconds} s");
        }

        await Task.Delay(options.Interval);
    }

    var closed = clients.Count(c => c.Closed);
    var notifyPerConnection = (rss - rssBaseline) / (double)clients.Count;
    var gatewayPerConnection = (gatewayRss - gatewayBaseline) / (double)clients.Count;
    var gatewayColumns = options.GatewayPids.Length == 0
        ? "— | — | "
        : string.Create(CultureInfo.InvariantCulture, $"{gatewayRss / 1024.0:N0} MiB | {gatewayPerConnection:0.0} KiB | ");
    var sum = notifyPerConnection + (options.GatewayPids.Length == 0 ? 0 : gatewayPerConnection);
    var head = string.Create(CultureInfo.InvariantCulture,
        $"| {options.Label} | {clients.Count:N0} | {connectWatch.Elapsed.TotalSeconds:0.0} s | {rss / 1024.0:N0} MiB | {notifyPerConnection:0.0} KiB | ");
    var tail = string.Create(CultureInfo.InvariantCulture,
        $"{sum:0.0} KiB | {Percentile(lastClientMs, 0.5):0.0} ms | {Percentile(lastClientMs, 0.99):0.0} ms | {Percentile(deliveryMs, 0.5):0.0} ms | {Percentile(deliveryMs, 0.99):0.0} ms | {missing:N0} | {closed:N0} |");
    rows.Add(head + gatewayColumns + tail);
    Console.Error.WriteLine($"{clients.Count} connections done");
}

Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{options.Label}: {options.Events} events of {Encoding.UTF8.GetByteCount(payload)} B per row, {options.Interval.TotalMilliseconds:0} ms apart; idle RSS Notify.Api {rssBaseline / 1024.0:N0} MiB, Gateway {gatewayBaseline / 1024.0:N0} MiB"));
if (options.PrintHeader)
{
    Console.WriteLine("| path | connections | connect time | Notify.Api RSS | Notify.Api per connection | Gateway RSS | Gateway per connection | sum per connection | XADD → last client p50 | p99 | XADD → each client p50 | p99 | deliveries missed | connections closed |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

foreach (var row in rows)
{
    Console.WriteLine(row);
}

foreach (var client in clients)
{
    client.Dispose();
}

static long ReadRssKiB(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
    }

    throw new InvalidOperationException($"no VmRSS for {pid}");
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
}

/// <summary>When each connection received the event being measured.</summary>
internal sealed class Recorder
{
    private volatile Slot? _current;

    public Slot Begin(long id, int expected) => _current = new Slot(id, expected);

    public void Received(long id)
    {
        var now = Stopwatch.GetTimestamp();
        if (_current is { } slot && slot.Id == id)
        {
            slot.Add(now);
        }
    }

    internal sealed class Slot(long id, int expected)
    {
        private readonly long[] _times = new long[expected];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public long Id { get; } = id;

        public void Add(long timestamp)
        {
            var index = Interlocked.Increment(ref _count) - 1;
            if (index < _times.Length)
            {
                _times[index] = timestamp;
                if (index == _times.Length - 1)
                {
                    _all.TrySetResult();
                }
            }
        }

        public async Task<bool> WaitAsync(TimeSpan timeout)
        {
            try
            {
                await _all.Task.WaitAsync(timeout);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public (long Last, long[] All, int Count) Snapshot()
        {
            var count = Math.Min(Volatile.Read(ref _count), _times.Length);
            var all = _times.AsSpan(0, count).ToArray();
            return (all.Length == 0 ? 0 : all.Max(), all, count);
        }
    }
}

/// <summary>One SSE connection: sends the request, then scans the chunked body for <c>id: N</c> lines.</summary>
internal sealed class SseClient : IDisposable
{
    private static readonly byte[] s_idPrefix = "\nid: "u8.ToArray();
    private readonly Socket _socket;
    private readonly Recorder _recorder;

    private SseClient(Socket socket, Recorder recorder)
    {
        _socket = socket;
        _recorder = recorder;
    }

    public bool Closed { get; private set; }

    public static async Task<SseClient> OpenAsync(IPAddress source, string host, int port, Recorder recorder)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port));
        var request = Encoding.ASCII.GetBytes($"GET /api/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n");
        await socket.SendAsync(request);

        // Wait for the headers and the retry hint so the row's connections are all really open.
        var buffer = new byte[2048];
        var received = 0;
        while (Encoding.ASCII.GetString(buffer, 0, received) is var text && !text.Contains("retry:", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(received));
            if (n == 0)
            {
                throw new InvalidOperationException("closed before the first bytes: " + text);
            }

            received += n;
        }

        var client = new SseClient(socket, recorder);
        _ = client.ReadAsync();
        return client;
    }

    public void Dispose() => _socket.Dispose();

    private async Task ReadAsync()
    {
        // A line may straddle two reads: keep the tail of the previous read.
        var buffer = new byte[1024];
        var kept = 0;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(kept));
                if (n == 0)
                {
                    break;
                }

                var span = buffer.AsSpan(0, kept + n);
                var consumed = 0;
                while (true)
                {
                    var at = span[consumed..].IndexOf(s_idPrefix);
                    if (at < 0)
                    {
                        break;
                    }

                    var start = consumed + at + s_idPrefix.Length;
                    var end = span[start..].IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        consumed += at;
                        goto Keep;
                    }

                    if (Utf8Parser.TryParse(span.Slice(start, end), out long id, out _))
                    {
                        _recorder.Received(id);
                    }

                    consumed = start + end;
                }

                consumed = Math.Max(consumed, span.Length - (s_idPrefix.Length + 20));
            Keep:
                kept = span.Length - consumed;
                span[consumed..].CopyTo(buffer);
                if (kept >= buffer.Length / 2)
                {
                    kept = 0;
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        Closed = true;
    }
}

internal sealed record BenchOptions(string Host, int[] Ports, string Redis, int NotifyPid, int[] GatewayPids, string Label, bool PrintHeader, int[] Counts, int Events, TimeSpan Interval, TimeSpan EventTimeout, int SourceAddresses)
{
    public static BenchOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string name, string fallback) => map.TryGetValue(name, out var value) ? value : fallback;
        return new BenchOptions(
            "127.0.0.1",
            // Connections go round-robin over these (the Gateway's replicas, or Notify.Api itself).
            Numbers(map["ports"]),
            map["redis"],
            int.Parse(map["notify-pid"], CultureInfo.InvariantCulture),
            Numbers(Get("gateway-pids", "")),
            Get("label", "Notify.Api direct"),
            Get("header", "yes") == "yes",
            Numbers(Get("counts", "1000,5000,10000")),
            int.Parse(Get("events", "20"), CultureInfo.InvariantCulture),
            TimeSpan.FromMilliseconds(int.Parse(Get("interval-ms", "250"), CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(int.Parse(Get("event-timeout-s", "10"), CultureInfo.InvariantCulture)),
            int.Parse(Get("sources", "4"), CultureInfo.InvariantCulture));

        static int[] Numbers(string list) =>
            [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
    }
}
