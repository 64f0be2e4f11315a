using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Messaging;

/// <summary>One <see cref="JobQueueHostingExtensions.AddJobQueue"/> call.</summary>
internal sealed record JobQueueRegistration(string QueueName);

/// <summary>
/// Resolves every registered queue in <see cref="IHostedLifecycleService.StartingAsync"/>, before any hosted service starts (the
/// worker's loop, Kestrel), and creates the Storage queues that are missing. So the app neither consumes nor sends before its queues
/// exist, and a missing or malformed connection string, a wrong key or an unreachable account fails the start with the reason.
/// </summary>
internal sealed partial class JobQueueInitializer(
    IServiceProvider services,
    IEnumerable<JobQueueRegistration> registrations,
    ILogger<JobQueueInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations)
        {
            var queue = services.GetRequiredKeyedService<IJobQueue>(registration.QueueName);
            if (queue is IJobQueueResource resource)
            {
                await resource.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                LogReady(logger, resource.Description);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job queue ready: {Queue}")]
    private static partial void LogReady(ILogger logger, string queue);
}
