using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>
/// Creates the registered containers and queues when they are missing, in <see cref="IHostedLifecycleService.StartingAsync"/>:
/// before any hosted service starts (Kestrel included), so the app neither serves nor consumes before its storage exists,
/// and a wrong key or unreachable account fails the start with the service's reason.
/// </summary>
internal sealed partial class StorageInitializer(IEnumerable<IStorageResource> resources, ILogger<StorageInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var resource in resources)
        {
            await resource.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            LogReady(logger, resource.Description);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Storage ready: {Resource}")]
    private static partial void LogReady(ILogger logger, string resource);
}
