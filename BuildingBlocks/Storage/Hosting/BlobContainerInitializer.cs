using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>A container <see cref="StorageHostingExtensions.AddBlobStore"/> registered, for the initializer to create.</summary>
internal sealed record BlobContainerRegistration(string Container);

/// <summary>
/// Creates the registered containers when they are missing, in <see cref="IHostedLifecycleService.StartingAsync"/>:
/// before any hosted service starts (Kestrel included), so the app serves nothing before its storage exists,
/// and a wrong key or unreachable account fails the start with the service's reason.
/// </summary>
internal sealed partial class BlobContainerInitializer(
    IServiceProvider services,
    IEnumerable<BlobContainerRegistration> registrations,
    ILogger<BlobContainerInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations.Distinct())
        {
            var container = services.GetRequiredKeyedService<BlobContainerClient>(registration.Container);
            if (await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
            {
                LogCreated(logger, container.Name, container.AccountName);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created blob container {Container} in storage account {Account}")]
    private static partial void LogCreated(ILogger logger, string container, string account);
}
