using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>Crashes and shutdown of an AppHost started for this test alone.</summary>
public sealed class LifecycleTests(ITestOutputHelper output) : DeadlineTest
{
    [Fact]
    public async Task ACrashedWorkerIsStartedAgainAndStoppingTheAppLeavesNoProcessOfItsTreeBehind()
    {
        CancelAfter(TimeSpan.FromMinutes(6));
        var system = new ScrapbookApp();
        IReadOnlyList<ProcessTable.Entry> tree;
        try
        {
            await system.InitializeAsync();
            output.WriteLine("started");
            var workers = await system.GetProcessIdsAsync("thumbnail-worker", Cancellation);
            Assert.Equal(2, workers.Count);

            // The AppHost's own tree: DCP (which detaches from the test host) and everything it started.
            var top = ProcessTable.TopAncestor(workers.Values.First(), Environment.ProcessId);
            tree = ProcessTable.TreeOf(top);
            Assert.Contains(tree, p => p.Command.StartsWith("redis-server", StringComparison.Ordinal));
            Assert.True(tree.Count(p => p.Command.StartsWith("Scrapbook.", StringComparison.Ordinal)) >= 6, string.Join(", ", tree.Select(p => p.Command)));

            // Crash one worker: its service process dies with SIGKILL, as an out-of-memory kill would end it.
            var (crashedId, crashedPid) = workers.First();
            var service = ProcessTable.KillService(crashedPid);
            output.WriteLine($"killed {service.Pid} ({service.Command}) of {crashedId}");

            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            IReadOnlyDictionary<string, int> now;
            do
            {
                await Task.Delay(250, Cancellation);
                now = await system.GetProcessIdsAsync("thumbnail-worker", Cancellation);
            }
            while (!(now.TryGetValue(crashedId, out var pid) && pid != crashedPid) && DateTime.UtcNow < deadline);
            Assert.NotEqual(crashedPid, now[crashedId]);
            output.WriteLine($"{crashedId} runs again as {now[crashedId]}");

            var photo = await system.UploadNewPhotoAsync("after-crash.jpg", Cancellation);
            Assert.Equal(PhotoStatus.Ready, photo.Status);

            tree = ProcessTable.TreeOf(top);
            output.WriteLine($"uploaded and processed; stopping {tree.Count} processes");
        }
        finally
        {
            await system.DisposeAsync();
        }

        var gone = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (tree.Any(ProcessTable.IsAlive) && DateTime.UtcNow < gone)
        {
            await Task.Delay(250, Cancellation);
        }

        Assert.Empty(tree.Where(ProcessTable.IsAlive).Select(p => $"{p.Pid} {p.Command}"));
    }
}
