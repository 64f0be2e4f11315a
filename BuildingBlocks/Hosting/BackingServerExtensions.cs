using System.Globalization;

namespace Scrapbook.Hosting;

/// <summary>Redis, started from Debian's <c>redis-server</c>, its append-only file under the data folder.</summary>
public sealed class RedisResource(string name, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public string GetConnectionString() => $"127.0.0.1:{GetPort("tcp").ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The Azurite storage emulator (blob, queue and table services).</summary>
public sealed class AzuriteResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>An account-key connection string naming the blob and queue endpoints.</summary>
    public string GetConnectionString() =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{Port("blob")}/{AccountName};QueueEndpoint=http://127.0.0.1:{Port("queue")}/{AccountName};";

    private string Port(string endpoint) => GetPort(endpoint).ToString(CultureInfo.InvariantCulture);
}

/// <summary>Backing servers as real local processes, in the shape of Aspire's hosting integrations.</summary>
public static class BackingServerExtensions
{
    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name, int? port = null)
    {
        var data = Path.Combine(builder.DataDirectory, name);
        var redis = builder.AddResource(new RedisResource(name, data))
            .WithEndpoint("tcp", "tcp", port)
            .WithTcpHealthCheck()
            .WithArgs(context =>
            [
                "--port", context.Port("tcp").ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--dir", data,
                "--appendonly", "yes",
                "--save", "",
                "--daemonize", "no",
                "--loglevel", "warning",
            ]);
        return redis;
    }

    /// <summary>
    /// Azurite from <c>eng/azurite</c> at the checkout's root (installed by scripts/prereqs.sh), or from PATH;
    /// its data persists under the data folder.
    /// </summary>
    public static IResourceBuilder<AzuriteResource> AddAzurite(this DistributedApplicationBuilder builder, string name, string? executable = null)
    {
        executable ??= Path.Combine(builder.CheckoutDirectory, "eng", "azurite", "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            executable = "azurite";
        }

        var data = Path.Combine(builder.DataDirectory, name);
        return builder.AddResource(new AzuriteResource(name, executable, data))
            .WithEndpoint("blob", "http")
            .WithEndpoint("queue", "http")
            .WithEndpoint("table", "http")
            .WithTcpHealthCheck()
            .WithArgs(context =>
            [
                // Without --disableTelemetry Azurite also phones home, and its shutdown waits ~10 s on that.
                "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--disableProductStyleUrl",
                "--location", data,
                "--blobHost", "127.0.0.1", "--blobPort", context.Port("blob").ToString(CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", context.Port("queue").ToString(CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", context.Port("table").ToString(CultureInfo.InvariantCulture),
            ]);
    }

    public static IResourceBuilder<ConnectionStringResource> AddBlobs(this IResourceBuilder<AzuriteResource> azurite, string name) =>
        azurite.ApplicationBuilder.AddResource(new ConnectionStringResource(name, azurite.Resource, azurite.Resource.GetConnectionString));

    public static IResourceBuilder<ConnectionStringResource> AddQueues(this IResourceBuilder<AzuriteResource> azurite, string name) =>
        azurite.ApplicationBuilder.AddResource(new ConnectionStringResource(name, azurite.Resource, azurite.Resource.GetConnectionString));

    /// <summary>A SQLite database file under the data folder: <c>Data Source={data}/{name}.db</c>.</summary>
    public static IResourceBuilder<ConnectionStringResource> AddSqlite(this DistributedApplicationBuilder builder, string name)
    {
        var path = Path.Combine(builder.DataDirectory, name + ".db");
        return builder.AddResource(new ConnectionStringResource(name, null, () => $"Data Source={path}"));
    }
}
