using System.Globalization;
using System.Text.RegularExpressions;
using Scrapbook.Testing;

// GET /api/photos: the real Gallery.Api (SQLite, Redis, Azurite as the tests start them) measured direct, through
// the Gateway (YARP; started from its Release build output with Production settings, discovering Gallery.Api like under
// the AppHost) as it ships and with one of YARP's or the runtime's knobs turned each, through Debian's nginx with an
// upstream keepalive pool, and, when a folder holding an earlier Gateway build is given, through that one too (the
// same run, so before and after compare on equal terms). One wrk client, the same connection counts; ROUNDS rounds,
// every path once per round so that the machine's other load hits them alike, and the median round reported. Besides
// wrk's numbers, the CPU time the proxy process itself spent per request (utime + stime from /proc) is reported: on a
// shared machine it is steadier than requests/s.
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var baselineFolder = args.Length > 2 ? args[2] : null;
var baselineName = args.Length > 3 ? args[3] : "earlier build";
int[] connections = [32, 128];
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];

await using var servers = new BackingServers();
await servers.InitializeAsync();
await using var gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", Quiet(servers.EnvironmentFor("gallery-api")));

// The Gateway as it ships, then one change each.
var variants = new List<(string Name, string Folder, Dictionary<string, string?> Settings)>
{
    ("Gateway (YARP)", "Gateway", []),
    ("Gateway, pool of 32 connections", "Gateway", new() { ["ReverseProxy__Clusters__gallery-api__HttpClient__MaxConnectionsPerServer"] = "32" }),
    ("Gateway, OpenTelemetry off", "Gateway", new() { ["OTEL_SDK_DISABLED"] = "true" }),
    ("Gateway, inline socket completions", "Gateway", new() { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1" }),
};
if (baselineFolder is not null)
{
    variants.Add(($"Gateway ({baselineName})", Path.GetFullPath(baselineFolder), []));
}

var gateways = new List<(string Name, ServiceUnderTest Process)>();
foreach (var (name, folder, settings) in variants)
{
    var environment = Quiet(servers.EnvironmentFor("gateway", new Dictionary<string, Uri[]> { ["gallery-api"] = [gallery.BaseAddress] }));
    environment["DOTNET_ENVIRONMENT"] = environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    foreach (var (key, value) in settings)
    {
        environment[key] = value;
    }

    gateways.Add((name, await ServiceUnderTest.StartAsync(folder, "Scrapbook.Gateway", environment)));
}

using var nginxDir = new TempDirectory("bench-nginx");
var nginxPort = FreePort.Next();
await File.WriteAllTextAsync(Path.Combine(nginxDir.Path, "nginx.conf"), NginxConfig(nginxPort, gallery.BaseAddress));
await using var nginx = await ServerProcess.StartAsync("nginx", ["-p", nginxDir.Path, "-c", Path.Combine(nginxDir.Path, "nginx.conf")]);
if (!await FreePort.WaitUntilListeningAsync(nginxPort, TimeSpan.FromSeconds(10), () => nginx.HasExited))
{
    throw new InvalidOperationException("nginx did not start:" + Environment.NewLine + nginx.Output);
}

// The nginx master forks its workers; they do the proxying.
var nginxWorkers = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d))
    .Where(d => d.All(char.IsAsciiDigit)).Select(int.Parse)
    .Where(pid => ParentOf(pid) == nginx.Id).ToArray();
var targets = new List<(string Name, Uri Address, int[] Pids)> { ("direct (Gallery.Api)", gallery.BaseAddress, []) };
targets.AddRange(gateways.Select(g => (g.Name, g.Process.BaseAddress, new[] { g.Process.ProcessId })));
targets.Add(("nginx", new Uri($"http://127.0.0.1:{nginxPort}"), nginxWorkers));

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"GET /api/photos, wrk -t2, {seconds} s per cell after a 3 s warm-up, median of {rounds} interleaved rounds, {Environment.ProcessorCount} cores shared by wrk, the proxies, Gallery.Api and everything else on this machine (load average {string.Join(' ', loadBefore)} before)"));
Console.WriteLine();
Console.WriteLine("| connections | path | requests/s | p50 ms | p99 ms | req/s vs nginx | p50 added vs direct | proxy CPU µs/request |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|");
foreach (var count in connections)
{
    var results = targets.ToDictionary(t => t.Name, _ => new List<WrkResult>());
    foreach (var (_, address, _) in targets)
    {
        await RunWrkAsync(address, count, 3, []);
    }

    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, address, pids) in targets)
        {
            results[name].Add(await RunWrkAsync(address, count, seconds, pids));
        }
    }

    var median = results.ToDictionary(r => r.Key, r => Median(r.Value));
    foreach (var (name, _, pids) in targets)
    {
        var r = median[name];
        var vsNginx = r.RequestsPerSecond / median["nginx"].RequestsPerSecond;
        var added = r.P50Ms - median["direct (Gallery.Api)"].P50Ms;
        var cpu = pids.Length == 0 ? "—" : r.ProxyCpuMicroseconds.ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {name} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {vsNginx:F2} | {added:+0.00;-0.00;0.00} ms | {cpu} |"));
    }
}

Console.WriteLine();
Console.WriteLine($"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3])} after the run");
foreach (var (_, process) in gateways)
{
    await process.DisposeAsync();
}

return 0;

// The round whose requests/s is the median of the rounds (its latencies and CPU come with it).
static WrkResult Median(List<WrkResult> results) => results.OrderBy(r => r.RequestsPerSecond).ElementAt(results.Count / 2);

static int? ParentOf(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }
    catch (IOException)
    {
        return null;
    }
}

// utime + stime of the processes, in clock ticks (USER_HZ, 100 on Linux).
static long CpuTicks(int[] pids) => pids.Sum(pid =>
{
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
});

static async Task<WrkResult> RunWrkAsync(Uri target, int connections, int seconds, int[] proxyPids)
{
    var cpuBefore = CpuTicks(proxyPids);
    await using var wrk = await ServerProcess.StartAsync("wrk", ["-t2", $"-c{connections}", $"-d{seconds}s", "--latency", new Uri(target, "/api/photos").ToString()]);
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
    var exit = await wrk.WaitForExitAsync(timeout.Token);
    var output = wrk.Output;
    if (exit != 0 || !output.Contains("Requests/sec", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"wrk against {target} failed ({exit}):{Environment.NewLine}{output}");
    }

    if (Regex.Match(output, @"Non-2xx or 3xx responses: (\d+)") is { Success: true } errors)
    {
        throw new InvalidOperationException($"{target} answered {errors.Groups[1].Value} errors:{Environment.NewLine}{output}");
    }

    var cpuTicks = CpuTicks(proxyPids) - cpuBefore;
    var requests = double.Parse(Regex.Match(output, @"(\d+) requests in").Groups[1].Value, CultureInfo.InvariantCulture);
    return new WrkResult(
        double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture),
        Milliseconds(Regex.Match(output, @"\s50%\s+([\d.]+)(us|ms|s)")),
        Milliseconds(Regex.Match(output, @"\s99%\s+([\d.]+)(us|ms|s)")),
        cpuTicks * 10_000.0 / requests);
}

static double Milliseconds(Match match)
{
    var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
}

static Dictionary<string, string?> Quiet(Dictionary<string, string?> env)
{
    // Request logging at Information would measure the console, not the proxy.
    env["Logging__LogLevel__Default"] = "Warning";
    return env;
}

static string NginxConfig(int port, Uri gallery) => $$"""
    daemon off;
    worker_processes 2;
    pid nginx.pid;
    error_log stderr warn;
    events { worker_connections 4096; }
    http {
        access_log off;
        client_body_temp_path body;
        proxy_temp_path proxy;
        fastcgi_temp_path fastcgi;
        uwsgi_temp_path uwsgi;
        scgi_temp_path scgi;
        upstream gallery {
            server {{gallery.Authority}};
            keepalive 256;
        }
        server {
            listen 127.0.0.1:{{port}};
            location /api/ {
                proxy_pass http://gallery;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
            }
        }
    }
    """;

internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, double ProxyCpuMicroseconds);
