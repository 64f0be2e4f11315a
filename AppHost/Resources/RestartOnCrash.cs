using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Marks a resource whose replicas are started again when they end with a non-zero exit code.</summary>
public sealed class RestartOnCrashAnnotation : IResourceAnnotation;

public static class RestartOnCrashExtensions
{
    /// <summary>
    /// A replica that crashes (ends with a non-zero exit code while the AppHost runs) is started again, after 1 s doubling
    /// to 30 s for repeated crashes, as a container orchestrator would. DCP only reports that it ended; a replica stopped
    /// from the dashboard ends with 0 and stays stopped.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        builder.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CrashRestarter>());
        return builder.WithAnnotation(new RestartOnCrashAnnotation());
    }
}

internal sealed partial class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ILogger<CrashRestarter> logger) : BackgroundService
{
    private static readonly TimeSpan s_firstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_longestDelay = TimeSpan.FromSeconds(30);

    /// <summary>States in which a replica that crashed has not been started again yet.</summary>
    private static readonly string?[] s_down = [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart];

    /// <summary>A replica that ran this long before crashing starts again after the first delay.</summary>
    private static readonly TimeSpan s_stableRun = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (DateTime StoppedAt, TimeSpan Delay)> _crashes = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var update in notifications.WatchAsync(stoppingToken))
        {
            var snapshot = update.Snapshot;
            if (!update.Resource.HasAnnotationOfType<RestartOnCrashAnnotation>()
                || (snapshot.State?.Text != KnownResourceStates.Exited && snapshot.State?.Text != KnownResourceStates.Finished)
                || snapshot.ExitCode is null or 0
                || snapshot.StopTimeStamp is not { } stoppedAt
                || (_crashes.TryGetValue(update.ResourceId, out var last) && last.StoppedAt == stoppedAt))
            {
                continue; // not ours, not a crash, or a crash already handled (DCP sends several updates for one end)
            }

            var ran = stoppedAt - (snapshot.StartTimeStamp ?? stoppedAt);
            var delay = last.Delay == default || ran > s_stableRun ? s_firstDelay : TimeSpan.FromTicks(Math.Min(last.Delay.Ticks * 2, s_longestDelay.Ticks));
            _crashes[update.ResourceId] = (stoppedAt, delay);
            LogRestarting(logger, update.ResourceId, snapshot.ExitCode.Value, delay.TotalSeconds);
            _ = RestartAsync(update.ResourceId, delay, stoppingToken);
        }
    }

    /// <summary>
    /// Starts the replica again, and keeps trying while it stays down: starting waits for the resources it waits for, and
    /// fails at once when one of them is itself down (crashed a moment earlier, as when a whole host loses several processes).
    /// </summary>
    private async Task RestartAsync(string resourceId, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(delay, stoppingToken);
                if (notifications.TryGetCurrentState(resourceId, out var current) && !s_down.Contains(current.Snapshot.State?.Text))
                {
                    return; // running again (started from the dashboard, or by an earlier attempt that got through)
                }

                var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
                if (result.Success)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_longestDelay.Ticks));
                LogRestartFailed(logger, resourceId, result.Message, delay.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing to restart.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} crashed (exit code {ExitCode}); starting it again in {DelaySeconds} s.")]
    private static partial void LogRestarting(ILogger logger, string resource, int exitCode, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} could not be started again ({Error}); trying again in {DelaySeconds} s.")]
    private static partial void LogRestartFailed(ILogger logger, string resource, string? error, double delaySeconds);
}
