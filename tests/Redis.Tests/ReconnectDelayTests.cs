namespace Scrapbook.Redis.Tests;

public sealed class ReconnectDelayTests
{
    [Fact]
    public void DelaysDoubleFromTheBaseWithJitterAndNeverPassTheCap()
    {
        var baseDelay = TimeSpan.FromMilliseconds(100);
        var cap = TimeSpan.FromSeconds(5);
        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var ceiling = Math.Min(100 * Math.Pow(2, attempt - 1), 5000);
            for (var sample = 0; sample < 50; sample++)
            {
                var delay = RedisClient.ReconnectDelay(attempt, baseDelay, cap).TotalMilliseconds;
                Assert.InRange(delay, ceiling / 2, ceiling);
            }
        }
    }

    [Fact]
    public void JitterSpreadsClientsThatFailedTogether()
    {
        var delays = Enumerable.Range(0, 20)
            .Select(_ => RedisClient.ReconnectDelay(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)))
            .Distinct()
            .Count();

        Assert.True(delays > 1);
    }
}
