using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

public sealed class HostingTests(AzuriteServer azurite)
{
    private static readonly string[] s_rejectedSignatureCodes = ["AuthenticationFailed", "AuthorizationFailure"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheContainerExistsBeforeAnyHostedServiceStartsAndTheHealthCheckPasses()
    {
        var container = StorageTestStores.UniqueName("host");
        var builder = Host.CreateApplicationBuilder();
        builder.AddBlobStore(container: container);
        builder.Services.AddSingleton<ContainerProbe>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ContainerProbe>());
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString; // after registration: read when resolved
        using var host = builder.Build();

        await host.StartAsync(Cancellation);
        try
        {
            Assert.True(host.Services.GetRequiredService<ContainerProbe>().ContainerExistedAtStart);

            var store = host.Services.GetRequiredService<IBlobStore>();
            Assert.Same(store, host.Services.GetRequiredKeyedService<IBlobStore>(container));
            Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("hello.txt", new MemoryStream([1]), cancellationToken: Cancellation));
            Assert.True(await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).GetBlobClient("hello.txt").ExistsAsync(Cancellation));

            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(entry => entry.Tags.Contains("ready"), Cancellation);
            Assert.Equal(HealthStatus.Healthy, report.Status);
            Assert.Equal([$"blobs-{container}"], report.Entries.Keys);
        }
        finally
        {
            await host.StopAsync(Cancellation);
        }
    }

    [Fact]
    public async Task StoresAreKeyedByContainerAndTheFirstRegisteredIsTheDefault()
    {
        var first = StorageTestStores.UniqueName("first");
        var second = StorageTestStores.UniqueName("second");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString;
        builder.AddBlobStore(container: first).AddBlobStore(container: second);
        using var host = builder.Build();

        await host.StartAsync(Cancellation);
        try
        {
            var firstStore = host.Services.GetRequiredKeyedService<IBlobStore>(first);
            var secondStore = host.Services.GetRequiredKeyedService<IBlobStore>(second);
            Assert.Same(firstStore, host.Services.GetRequiredService<IBlobStore>());

            await firstStore.PutIfAbsentAsync("only-in-first.txt", new MemoryStream([1]), cancellationToken: Cancellation);
            Assert.Null(await secondStore.GetPropertiesAsync("only-in-first.txt", Cancellation));
            Assert.Equal(second, host.Services.GetRequiredKeyedService<BlobContainerClient>(second).Name);
        }
        finally
        {
            await host.StopAsync(Cancellation);
        }
    }

    [Fact]
    public async Task TheHealthCheckReportsUnhealthyWithoutThrowingWhenTheServiceIsDown()
    {
        var deadPort = FreePort.Next();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString.Replace($":{azurite.BlobPort}/", $":{deadPort}/", StringComparison.Ordinal);
        builder.AddBlobStore();
        builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(options => options.Retry.MaxRetries = 0));
        using var host = builder.Build(); // not started: the container cannot be created

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);

        var entry = Assert.Single(report.Entries);
        Assert.Equal("blobs-scrapbook", entry.Key);
        Assert.Equal(HealthStatus.Unhealthy, entry.Value.Status);
        Assert.Contains("blob container 'scrapbook'", entry.Value.Description, StringComparison.Ordinal);
        Assert.NotNull(entry.Value.Exception);
    }

    [Fact]
    public async Task AWrongAccountKeyFailsTheStartWithTheServicesAuthenticationError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString.Replace(AzuriteServer.AccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);
        builder.AddBlobStore();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => host.StartAsync(Cancellation));

        // Azure Storage says AuthenticationFailed; Azurite's blob service says AuthorizationFailure for a bad signature.
        Assert.Equal(403, error.Status);
        Assert.Contains(error.ErrorCode, s_rejectedSignatureCodes);
        Assert.Contains("Server failed to authenticate the request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingConnectionStringFailsTheStartNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddBlobStore("media");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("ConnectionStrings__media", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueThatIsNeitherAServiceUriNorAConnectionStringFailsTheStartNamingItButNotEchoingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = "file:///var/lib/scrapbook/blobs";
        builder.AddBlobStore();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("ConnectionStrings__blobs", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/var/lib/scrapbook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceUriIsUsedAsTheEndpointWithTheTokenCredential()
    {
        var credential = new RecordingCredential();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = "https://scrapbookaccount.blob.core.windows.net/";
        builder.AddBlobStore();
        builder.Services.AddAzureClients(clients => clients.UseCredential(credential)); // stands in for DefaultAzureCredential
        using var host = builder.Build(); // not started: nothing answers at that account

        var container = host.Services.GetRequiredKeyedService<BlobContainerClient>(StorageHostingExtensions.DefaultContainer);
        Assert.Equal(new Uri("https://scrapbookaccount.blob.core.windows.net/scrapbook"), container.Uri);
        Assert.Equal("scrapbookaccount", container.AccountName);
        Assert.False(container.CanGenerateSasUri); // no account key: not read as a connection string

        // The first request asks the credential for a token before anything is sent.
        await Assert.ThrowsAsync<RecordingCredential.TokenRequestedException>(() => container.ExistsAsync(Cancellation));
        Assert.Equal(["https://storage.azure.com/.default"], credential.Scopes);
    }

    [Fact]
    public void AConnectionStringIsUsedWithItsAccountKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString;
        builder.AddBlobStore();
        using var host = builder.Build();

        var container = host.Services.GetRequiredKeyedService<BlobContainerClient>(StorageHostingExtensions.DefaultContainer);
        Assert.Equal(new Uri($"{azurite.BlobEndpoint}/scrapbook"), container.Uri);
        Assert.True(container.CanGenerateSasUri);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Scrapbook")]
    [InlineData("double--hyphen")]
    [InlineData("-leading")]
    public void AnInvalidContainerNameIsRejectedAtRegistration(string container)
    {
        var builder = Host.CreateApplicationBuilder();

        Assert.Throws<ArgumentException>(() => builder.AddBlobStore(container: container));
    }

    /// <summary>Records whether the container existed when hosted services were started.</summary>
    private sealed class ContainerProbe(IServiceProvider services) : IHostedService
    {
        public bool ContainerExistedAtStart { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var container = services.GetRequiredService<IEnumerable<BlobContainerRegistration>>().Single().Container;
            ContainerExistedAtStart = await services.GetRequiredKeyedService<BlobContainerClient>(container).ExistsAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            throw new TokenRequestedException();
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));

        public sealed class TokenRequestedException() : Exception("A token was requested.");
    }
}
