using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Gallery.Api.Data;

/// <summary>Healthy when the gallery database answers a query.</summary>
internal sealed class DatabaseHealthCheck(GalleryDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM settings", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy($"gallerydb ({database.Engine})");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"gallerydb ({database.Engine}): {exception.Message}", exception);
        }
    }
}
