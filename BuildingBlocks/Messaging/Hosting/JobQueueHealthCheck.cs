using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Messaging;

/// <summary>Healthy when the service answers about the queue with our credentials; the failure's reason otherwise, never a throw.</summary>
internal sealed class JobQueueHealthCheck(IJobQueue queue) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (queue is not IJobQueueResource resource)
        {
            return HealthCheckResult.Healthy($"queue '{queue.Name}'");
        }

        try
        {
            await resource.ProbeAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(resource.Description);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{resource.Description}: {ex.Message}", ex);
        }
    }
}
