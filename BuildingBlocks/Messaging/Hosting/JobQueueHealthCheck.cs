using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Messaging;

/// <summary>Healthy when the service answers about the queue with our credentials; the failure's reason otherwise, never a throw.</summary>
internal sealed class JobQueueHealthCheck(IJobQueue queue) : IHealthCheck
{
    /// <summary>
    /// The SDK clients retry a refused connection for half a minute (Storage: six tries, from 4 s apart), longer than a health check
    /// may take; this check gives up sooner and says which queue did not answer.
    /// </summary>
    internal static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (queue is not IJobQueueResource resource)
        {
            return HealthCheckResult.Healthy($"queue '{queue.Name}'");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        try
        {
            await resource.ProbeAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy(resource.Description);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{resource.Description} did not answer within {AnswerTimeout.TotalSeconds:0} s.", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{resource.Description}: {ex.Message}", ex);
        }
    }
}
