namespace Scrapbook.Testing;

/// <summary>
/// Real Redis and Azurite plus a folder for SQLite, and the environment an orchestrator hands each
/// service for them (Aspire's names: <c>ConnectionStrings__*</c>, <c>services__*</c>).
/// </summary>
public sealed class BackingServers : IAsyncLifetime
{
    private readonly TempDirectory _data = new("scrapbook-system");

    public RedisServer Redis { get; } = new();

    public AzuriteServer Azurite { get; } = new();

    /// <summary>The admin key every service is configured with.</summary>
    public string AdminKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public string GalleryDbConnectionString => $"Data Source={Path.Combine(_data.Path, "gallery.db")}";

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync().AsTask(), Azurite.InitializeAsync().AsTask());
    }

    /// <summary>
    /// Connection strings and admin key for a service; <paramref name="services"/> adds discovery
    /// entries (<c>services__{name}__http__{i}</c>) for the services it calls.
    /// </summary>
    public Dictionary<string, string?> EnvironmentFor(string serviceName, IReadOnlyDictionary<string, Uri[]>? services = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["ConnectionStrings__blobs"] = Azurite.ConnectionString,
            ["ConnectionStrings__queues"] = Azurite.ConnectionString,
            ["ConnectionStrings__gallerydb"] = GalleryDbConnectionString,
            ["Admin__Key"] = AdminKey,
        };
        foreach (var (name, addresses) in services ?? new Dictionary<string, Uri[]>())
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                env[$"services__{name}__http__{i}"] = addresses[i].ToString().TrimEnd('/');
            }
        }

        return env;
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Azurite.DisposeAsync();
        _data.Dispose();
    }
}
