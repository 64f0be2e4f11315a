using System.Diagnostics;
using System.Globalization;
using Scrapbook.Redis;

// Pipelined SET throughput of Scrapbook.Redis against a redis-server started by run.sh, printed next to
// redis-benchmark's figure for the same server, request count and value size (-P 16 -t set, 3-byte value).
// Each caller works like one redis-benchmark client with -P 16: send 16 SETs, wait for the 16 replies, repeat.
// All callers share the client's single multiplexed connection.

var options = BenchOptions.Parse(args);
var value = new string('x', options.ValueSize);

await using var client = new RedisClient($"127.0.0.1:{options.Port}");
await client.PingAsync();

// JIT and connection warm-up, not measured.
await SetBench.RunAsync(client, callers: 4, options.Pipeline, requests: 50_000, value, options.TimeLimit);

var rows = new List<(string Name, double OpsPerSecond)>();
if (options.BaselineOpsPerSecond is { } baseline)
{
    rows.Add(($"redis-benchmark -P {options.Pipeline} -c 50 -t set", baseline));
}

foreach (var callers in options.Callers)
{
    var opsPerSecond = await SetBench.RunAsync(client, callers, options.Pipeline, options.Requests, value, options.TimeLimit);
    rows.Add(($"Scrapbook.Redis, {callers} callers x {options.Pipeline} in flight, 1 connection", opsPerSecond));
}

var reference = options.BaselineOpsPerSecond ?? rows[0].OpsPerSecond;
Console.WriteLine();
Console.WriteLine($"Pipelined SET, {options.Requests:N0} requests, {options.ValueSize}-byte values, 127.0.0.1:{options.Port}, {Environment.ProcessorCount} CPUs");
Console.WriteLine($"{"client",-60} {"ops/s",12} {"ratio",7}");
foreach (var (name, opsPerSecond) in rows)
{
    Console.WriteLine($"{name,-60} {opsPerSecond,12:N0} {opsPerSecond / reference,7:0.00}");
}

internal static class SetBench
{
    // redis-benchmark without -r writes this literal key.
    private const string Key = "key:__rand_int__";

    public static async Task<double> RunAsync(IRedisClient client, int callers, int pipeline, int requests, string value, TimeSpan timeLimit, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeLimit);
        var started = Stopwatch.GetTimestamp();
        var done = await Task.WhenAll(Enumerable.Range(0, callers)
            .Select(caller => CallerAsync(client, requests / callers + (caller < requests % callers ? 1 : 0), pipeline, value, deadline.Token)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var total = done.Sum();
        if (total < requests)
        {
            Console.Error.WriteLine($"Time limit of {timeLimit.TotalSeconds:0} s reached after {total:N0} of {requests:N0} requests; reporting the rate so far.");
        }

        return total / elapsed.TotalSeconds;
    }

    // The deadline is checked between batches rather than passed to each SET, so the measured path is a
    // plain call without a cancellation registration per command.
    private static async Task<long> CallerAsync(IRedisClient client, int requests, int pipeline, string value, CancellationToken deadline)
    {
        // Start callers together rather than one after another on the calling thread.
        await Task.Yield();
        var batch = new Task<bool>[pipeline];
        long sent = 0;
        while (sent < requests && !deadline.IsCancellationRequested)
        {
            var count = (int)Math.Min(pipeline, requests - sent);
            for (var i = 0; i < count; i++)
            {
                batch[i] = client.StringSetAsync(Key, value);
            }

            for (var i = 0; i < count; i++)
            {
                if (!await batch[i].ConfigureAwait(false))
                {
                    throw new InvalidOperationException("SET was not acknowledged.");
                }
            }

            sent += count;
        }

        return sent;
    }
}

internal sealed record BenchOptions(int Port, int Requests, int Pipeline, int ValueSize, int[] Callers, double? BaselineOpsPerSecond, TimeSpan TimeLimit)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        if (!values.TryGetValue("--port", out var port))
        {
            throw new ArgumentException("usage: --port N [--requests 1000000] [--pipeline 16] [--value-size 3] [--callers 1,4,50] [--baseline OPS] [--time-limit-seconds 120]");
        }

        return new BenchOptions(
            int.Parse(port, CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("--requests", "1000000"), CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("--pipeline", "16"), CultureInfo.InvariantCulture),
            int.Parse(values.GetValueOrDefault("--value-size", "3"), CultureInfo.InvariantCulture),
            [.. values.GetValueOrDefault("--callers", "1,4,50").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))],
            values.TryGetValue("--baseline", out var baseline) ? double.Parse(baseline, CultureInfo.InvariantCulture) : null,
            TimeSpan.FromSeconds(int.Parse(values.GetValueOrDefault("--time-limit-seconds", "120"), CultureInfo.InvariantCulture)));
    }
}
