using System.Diagnostics;
using Scrapbook.Testing;

namespace Scrapbook.Redis.Tests;

/// <summary>Starts real redis-servers and clients against them; polls with deadlines instead of sleeping.</summary>
internal static class TestRedis
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        var server = new RedisServer { Password = password };
        await server.InitializeAsync();
        return server;
    }

    /// <summary>A client that reconnects quickly, so tests that kill the server finish fast.</summary>
    public static RedisClient Client(string connectionString) =>
        new(RedisConnectionOptions.Parse(connectionString) with
        {
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(250),
        });

    /// <summary>Runs redis-cli against the server, for what the client under test deliberately cannot do (ACL, INFO).</summary>
    public static Task<string> CliAsync(RedisServer server, params string[] arguments) =>
        Tool.RunAsync(
            "redis-cli",
            ["-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments],
            server.Password is null ? null : new Dictionary<string, string> { ["REDISCLI_AUTH"] = server.Password },
            cancellationToken: Ct);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Assert.Fail($"Gave up after {timeout.TotalSeconds:0.#} s waiting for: {what}");
            }

            await Task.Delay(20, Ct);
        }
    }

    public static Task UntilBlockedClientsAsync(RedisServer server, int count) =>
        EventuallyAsync(
            async () => (await CliAsync(server, "INFO", "clients")).Split('\n').Any(line => line.TrimEnd('\r') == $"blocked_clients:{count}"),
            TimeSpan.FromSeconds(10),
            $"{count} client(s) blocked in redis-server");
}
