using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The Azurite storage emulator (blob and queue services) from the repository's npm lockfile, run by Node as an
/// executable. Addressed as 127.0.0.1: with <c>localhost</c> the Azure SDK takes the account from the host name.
/// </summary>
public sealed class AzuriteResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public EndpointReference BlobEndpoint => new(this, "blob");

    public EndpointReference QueueEndpoint => new(this, "queue");

    /// <summary>An account-key connection string naming the blob and queue endpoints.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://{BlobEndpoint.Property(EndpointProperty.IPV4Host)}:{BlobEndpoint.Property(EndpointProperty.Port)}/{AccountName};" +
        $"QueueEndpoint=http://{QueueEndpoint.Property(EndpointProperty.IPV4Host)}:{QueueEndpoint.Property(EndpointProperty.Port)}/{AccountName};");
}

/// <summary>One service of an <see cref="AzuriteResource"/> under the name a client asks for (<c>blobs</c>, <c>queues</c>).</summary>
public sealed class AzuriteServiceResource(string name, AzuriteResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<AzuriteResource>
{
    public AzuriteResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => Parent.ConnectionStringExpression;
}

public static class AzuriteResourceBuilderExtensions
{
    /// <summary>
    /// Adds Azurite from <c>eng/azurite</c> (installed by scripts/prereqs.sh), its data in the data folder. Healthy
    /// once the blob service answers HTTP: DCP's proxy accepts a TCP connection even while nothing listens behind it.
    /// </summary>
    public static IResourceBuilder<AzuriteResource> AddAzurite(this IDistributedApplicationBuilder builder, string name)
    {
        var executable = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "eng", "azurite", "node_modules", ".bin", "azurite"));
        builder.RequireFile(executable, "Azurite");
        var data = builder.GetDataDirectory(name);
        var azurite = new AzuriteResource(name, executable, data);
        var healthCheck = $"{name}-http";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new AzuriteHealthCheck(azurite.BlobEndpoint), null, null));

        return builder.AddResource(azurite)
            .WithHttpEndpoint(name: "blob")
            .WithHttpEndpoint(name: "queue")
            .WithHttpEndpoint(name: "table")
            .WithArgs(context =>
            {
                // Without --disableTelemetry Azurite also phones home, and its shutdown waits ~10 s on that.
                string[] flags = ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--disableProductStyleUrl", "--location", data];
                foreach (var flag in flags)
                {
                    context.Args.Add(flag);
                }

                foreach (var service in (string[])["blob", "queue", "table"])
                {
                    context.Args.Add($"--{service}Host");
                    context.Args.Add("127.0.0.1");
                    context.Args.Add($"--{service}Port");
                    context.Args.Add(azurite.GetEndpoint(service).Property(EndpointProperty.TargetPort));
                }
            })
            .WithHealthCheck(healthCheck);
    }

    public static IResourceBuilder<AzuriteServiceResource> AddBlobs(this IResourceBuilder<AzuriteResource> azurite, string name) =>
        azurite.ApplicationBuilder.AddResource(new AzuriteServiceResource(name, azurite.Resource)).WithStateOfParent("AzuriteBlobs");

    public static IResourceBuilder<AzuriteServiceResource> AddQueues(this IResourceBuilder<AzuriteResource> azurite, string name) =>
        azurite.ApplicationBuilder.AddResource(new AzuriteServiceResource(name, azurite.Resource)).WithStateOfParent("AzuriteQueues");

    private sealed class AzuriteHealthCheck(EndpointReference blob) : IHealthCheck
    {
        private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(3) };

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // Any HTTP answer (an unauthenticated list is refused with 403) means Azurite itself is there.
                using var response = await s_http.GetAsync($"http://127.0.0.1:{blob.Port}/{AzuriteResource.AccountName}?comp=list", cancellationToken);
                return HealthCheckResult.Healthy($"HTTP {(int)response.StatusCode}");
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                return HealthCheckResult.Unhealthy("Azurite does not answer HTTP", exception);
            }
        }
    }
}
