using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class PipeliningTests
{
    private const int Callers = 8;
    private const int CommandsPerCaller = 1250;

    [Fact]
    public async Task TenThousandPipelinedCommandsFromEightConcurrentCallersEachGetTheirOwnRepliesInOrder()
    {
        await using var server = await StartAsync();
        await using var client = Client(server.ConnectionString);

        // Callers fire their commands without awaiting each one, from the first moment (before the client
        // has connected), so order is only right if the client keeps each caller's commands in sequence.
        var counts = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(() => RunCallerAsync(client, caller), Ct)));

        Assert.Equal(Callers * CommandsPerCaller, counts.Sum());
    }

    [Fact]
    public async Task CancellingAWaitDoesNotShiftRepliesBetweenCommands()
    {
        await using var server = await StartAsync();
        await using var client = Client(server.ConnectionString);
        await client.PingAsync(Ct);

        using var cancelled = new CancellationTokenSource();
        var abandoned = Enumerable.Range(0, 200).Select(i => client.StringIncrementAsync("abandoned", cancelled.Token)).ToList();
        await cancelled.CancelAsync();
        var next = await client.StringSetAsync("after", "value", cancellationToken: Ct);
        var read = await client.StringGetAsync("after", Ct);

        Assert.True(next);
        Assert.Equal("value", read);
        foreach (var task in abandoned)
        {
            // Each either finished before the cancel (with an integer) or was cancelled; none got another's reply.
            if (task.IsCompletedSuccessfully)
            {
                Assert.InRange(await task, 1, 200);
            }
            else
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            }
        }
    }

    private static async Task<int> RunCallerAsync(IRedisClient client, int caller)
    {
        var counterKey = $"caller:{caller}:counter";
        var valueKey = $"caller:{caller}:value";
        var increments = new List<(Task<long> Reply, long Expected)>();
        var sets = new List<Task<bool>>();
        var gets = new List<(Task<string?> Reply, string Expected)>();
        for (var i = 0; i < CommandsPerCaller; i++)
        {
            switch (i % 3)
            {
                case 0:
                    increments.Add((client.StringIncrementAsync(counterKey, Ct), increments.Count + 1));
                    break;
                case 1:
                    sets.Add(client.StringSetAsync(valueKey, $"{caller}:{i}", cancellationToken: Ct));
                    break;
                default:
                    // Reads back the value set by the command just before it, and nothing later.
                    gets.Add((client.StringGetAsync(valueKey, Ct), $"{caller}:{i - 1}"));
                    break;
            }
        }

        foreach (var (reply, expected) in increments)
        {
            Assert.Equal(expected, await reply);
        }

        foreach (var reply in sets)
        {
            Assert.True(await reply);
        }

        foreach (var (reply, expected) in gets)
        {
            Assert.Equal(expected, await reply);
        }

        return increments.Count + sets.Count + gets.Count;
    }
}
