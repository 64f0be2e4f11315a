using System.Globalization;
using System.Text.RegularExpressions;
using Scrapbook.Testing;

// GET /api/photos: the real Gallery.Api (SQLite, Redis, Azurite as the tests start them) measured direct, through
// the Gateway (started from its build output, discovering Gallery.Api like under the AppHost) and through Debian's
// nginx with an upstream keepalive pool. One wrk client, the same connection counts, one run.
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
int[] connections = [32, 128];

await using var servers = new BackingServers();
await servers.InitializeAsync();
await using var gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", Quiet(servers.EnvironmentFor("gallery-api")));
await using var gateway = await ServiceUnderTest.StartAsync("Gateway", "Scrapbook.Gateway", Quiet(servers.EnvironmentFor("gateway",
    new Dictionary<string, Uri[]> { ["gallery-api"] = [gallery.BaseAddress] })));
using var nginxDir = new TempDirectory("bench-nginx");
var nginxPort = FreePort.Next();
await File.WriteAllTextAsync(Path.Combine(nginxDir.Path, "nginx.conf"), NginxConfig(nginxPort, gallery.BaseAddress));
await using var nginx = ServerProcess.Start("nginx", ["-p", nginxDir.Path, "-c", Path.Combine(nginxDir.Path, "nginx.conf")]);
if (!await FreePort.WaitUntilListeningAsync(nginxPort, TimeSpan.FromSeconds(10), () => nginx.HasExited))
{
    throw new InvalidOperationException("nginx did not start:" + Environment.NewLine + nginx.Output);
}

var targets = new (string Name, Uri Address)[]
{
    ("direct (Gallery.Api)", gallery.BaseAddress),
    ("Gateway", gateway.BaseAddress),
    ("nginx", new Uri($"http://127.0.0.1:{nginxPort}")),
};

Console.WriteLine($"GET /api/photos, wrk -t2, {seconds} s per cell after a 3 s warm-up, {Environment.ProcessorCount} cores shared with everything else on this machine");
Console.WriteLine();
Console.WriteLine("| connections | path | requests/s | p50 ms | p99 ms | req/s vs nginx | p50 added vs direct |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
foreach (var count in connections)
{
    var results = new Dictionary<string, WrkResult>();
    foreach (var (name, address) in targets)
    {
        await RunWrkAsync(address, count, 3);
        results[name] = await RunWrkAsync(address, count, seconds);
    }

    foreach (var (name, _) in targets)
    {
        var r = results[name];
        var vsNginx = r.RequestsPerSecond / results["nginx"].RequestsPerSecond;
        var added = r.P50Ms - results["direct (Gallery.Api)"].P50Ms;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {name} | {r.RequestsPerSecond:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {vsNginx:F2} | {added:+0.00;-0.00;0.00} ms |"));
    }
}

return 0;

static async Task<WrkResult> RunWrkAsync(Uri target, int connections, int seconds)
{
    await using var wrk = ServerProcess.Start("wrk", ["-t2", $"-c{connections}", $"-d{seconds}s", "--latency", new Uri(target, "/api/photos").ToString()]);
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

    return new WrkResult(
        double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture),
        Milliseconds(Regex.Match(output, @"\s50%\s+([\d.]+)(us|ms|s)")),
        Milliseconds(Regex.Match(output, @"\s99%\s+([\d.]+)(us|ms|s)")));
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
    env["ASPNETCORE_ENVIRONMENT"] = "Production";
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

internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms);
