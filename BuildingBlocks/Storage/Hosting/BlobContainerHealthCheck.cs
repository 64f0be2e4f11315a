using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Storage;

/// <summary>Healthy when the container exists and answers with our credentials; a failure is reported, never thrown.</summary>
internal sealed class BlobContainerHealthCheck(BlobContainerClient container) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var description = $"blob container '{container.Name}' on {container.Uri.GetLeftPart(UriPartial.Authority)} (account {container.AccountName})";
        try
        {
            return await container.ExistsAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy(description)
                : new HealthCheckResult(context.Registration.FailureStatus, $"{description} does not exist");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // RequestFailedException for an answer (a wrong key: 403), AggregateException once retries of an unreachable service run out.
            return new HealthCheckResult(context.Registration.FailureStatus, $"{description}: {ex.Message}", ex);
        }
    }
}
