using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Storage;

/// <summary>Healthy when the container, directory or queue exists and answers with our credentials.</summary>
internal sealed class StorageHealthCheck(IStorageResource resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await resource.ProbeAsync(cancellationToken).ConfigureAwait(false) is { } problem
                ? new HealthCheckResult(context.Registration.FailureStatus, problem)
                : HealthCheckResult.Healthy(resource.Description);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{resource.Description}: {ex.Message}", ex);
        }
    }
}
