using Aspire.Hosting;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Testing;

namespace Scrapbook.Bench.Soak;

/// <summary>Injects one fault at a time into the running system, and says what it did.</summary>
internal sealed class Faults(ScrapbookApp system, string failpointDirectory, Corpus small, TimeSpan floodLength, Ledger ledger, Action<string> log)
{
    /// <summary>The address the flood comes from; no other client uses it.</summary>
    public static readonly IPAddress FloodAddress = IPAddress.Parse("127.0.0.250");

    private static readonly IPAddress s_slowAddress = IPAddress.Parse("127.0.0.251");
    private int _workerTurn;

    /// <summary>SSE clients that stopped reading; the run reads them at the end to see whether the server cut them off.</summary>
    public List<SseConnection> SlowClients { get; } = [];

    /// <summary>The processes killed, so that the run can tell memory figures of restarted processes apart.</summary>
    public int Kills { get; private set; }

    public async Task InjectAsync(Fault fault, CancellationToken cancellationToken)
    {
        var what = fault switch
        {
            Fault.KillWorker => await KillAsync("thumbnail-worker", _workerTurn++, cancellationToken),
            Fault.KillGalleryBeforeSend => await ArmAsync("outbox-before-send", cancellationToken),
            Fault.KillGalleryAfterSend => await ArmAsync("outbox-after-send", cancellationToken),
            Fault.KillNotify => await KillAsync("notify-api", 0, cancellationToken),
            Fault.KillGateway => await KillAsync("gateway", 0, cancellationToken),
            Fault.RestartRedis => await RestartAsync("redis", cancellationToken),
            Fault.RestartAzurite => await RestartAsync("storage", cancellationToken),
            Fault.SlowClient => await OpenSlowClientAsync(cancellationToken),
            Fault.Flood => await FloodAsync(cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        var line = $"{DateTime.UtcNow:HH:mm:ss} {fault}: {what}";
        ledger.FaultLog.Enqueue(line);
        log(line);
    }

    private async Task<string> KillAsync(string resource, int turn, CancellationToken cancellationToken)
    {
        var replicas = await system.GetProcessIdsAsync(resource, cancellationToken);
        var (replica, pid) = replicas.OrderBy(r => r.Key, StringComparer.Ordinal).ElementAt(turn % replicas.Count);
        var killed = ProcessTable.KillService(pid);
        Kills++;
        return $"SIGKILL {killed.Command} (pid {killed.Pid}, {replica})";
    }

    /// <summary>Arms a Gallery.Api failpoint and waits until the process reached it and died.</summary>
    private async Task<string> ArmAsync(string point, CancellationToken cancellationToken)
    {
        var file = Path.Combine(failpointDirectory, point);
        await File.WriteAllTextAsync(file, "", cancellationToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (File.Exists(file) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        if (File.Exists(file))
        {
            File.Delete(file);
            return $"gallery-api did not reach {point} within a minute (nothing to send); disarmed";
        }

        Kills++;
        return $"gallery-api reached {point} and killed itself";
    }

    /// <summary>
    /// Restarts a backing server as an operator would from the dashboard, and starts it again (three tries) if the new
    /// process failed to start: seen once with redis-server, whose old process may not have let go of its port yet.
    /// </summary>
    private async Task<string> RestartAsync(string resource, CancellationToken cancellationToken)
    {
        var replica = (await system.GetProcessIdsAsync(resource, cancellationToken)).Keys.Single();
        var commands = system.App.Services.GetRequiredService<ResourceCommandService>();
        var command = KnownResourceCommands.RestartCommand;
        for (var attempt = 1; ; attempt++)
        {
            var result = await commands.ExecuteCommandAsync(replica, command, cancellationToken);
            try
            {
                await system.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
                return $"{resource} restarted by the AppHost and healthy again"
                    + (attempt > 1 ? $" (started again {attempt - 1} time(s) after failing to start)" : "")
                    + (result.Success ? "" : $"; the command said: {result.Message}");
            }
            catch (DistributedApplicationException) when (attempt < 3)
            {
                command = KnownResourceCommands.StartCommand;
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private async Task<string> OpenSlowClientAsync(CancellationToken cancellationToken)
    {
        // Reads nothing, with a small socket buffer: once the kernel's buffers are full the server's queue for it fills.
        var slow = await SseConnection.OpenAsync(system.GatewayUrl, lastEventId: "0", startReading: false, receiveBufferSize: 4096,
            localAddress: s_slowAddress, cancellationToken: cancellationToken);
        SlowClients.Add(slow);
        return $"an SSE client from {s_slowAddress} that reads nothing ({(int)slow.Response.StatusCode})";
    }

    private async Task<string> FloodAsync(CancellationToken cancellationToken)
    {
        var before = ledger.CountOf(k => k.StartsWith(Flood.Client + " ", StringComparison.Ordinal));
        var started = DateTime.UtcNow;
        await Flood.RunAsync(system.GatewayUrl, FloodAddress, small, floodLength, ledger, cancellationToken);
        var limited = ledger.CountOf(k => k == $"{Flood.Client} 429");
        return $"{ledger.CountOf(k => k.StartsWith(Flood.Client + " ", StringComparison.Ordinal)) - before} uploads in {(DateTime.UtcNow - started).TotalSeconds:F0} s from {FloodAddress}; {limited} answered 429 so far in the run";
    }
}
