using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

public sealed class HostingTests(AzuriteServer azurite) : IDisposable
{
    private readonly TempDirectory _temp = new("scrapbook-hosting");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartingTheHostCreatesTheContainerAndQueuesAndHealthChecksPass()
    {
        var container = StorageTestStores.UniqueName("host");
        var queue = StorageTestStores.UniqueName("jobs");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString;
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.AddBlobStore(container: container).AddJobQueue(queueName: queue);
        using var host = builder.Build();

        await host.StartAsync(Cancellation);
        try
        {
            var store = host.Services.GetRequiredService<IBlobStore>();
            Assert.Same(store, host.Services.GetRequiredKeyedService<IBlobStore>(container));
            Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("hello.txt", new MemoryStream([1]), cancellationToken: Cancellation));

            var jobs = host.Services.GetRequiredService<IJobQueue>();
            Assert.Equal(queue, jobs.Name);
            await jobs.SendAsync(BinaryData.FromString("job"), cancellationToken: Cancellation);
            await jobs.SendAsync(BinaryData.FromString("poison works"), cancellationToken: Cancellation);
            foreach (var message in await jobs.ReceiveAsync(32, TimeSpan.FromSeconds(30), Cancellation))
            {
                Assert.True(await jobs.MoveToPoisonAsync(message, Cancellation)); // the -poison queue exists too
            }

            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);
            Assert.Equal(HealthStatus.Healthy, report.Status);
            Assert.Contains($"blobs-{container}", report.Entries.Keys);
            Assert.Contains($"queue-{queue}", report.Entries.Keys);
        }
        finally
        {
            await host.StopAsync(Cancellation);
        }
    }

    [Fact]
    public async Task AFileConnectionStringCreatesTheDirectoryAtStart()
    {
        var root = Path.Combine(_temp.Path, "blobs");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = new Uri(root).AbsoluteUri;
        builder.AddBlobStore();
        using var host = builder.Build();

        await host.StartAsync(Cancellation);
        await host.StopAsync(Cancellation);

        Assert.True(Directory.Exists(root));
    }

    [Fact]
    public async Task AWrongAccountKeyFailsTheStartWithTheAuthenticationError()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:blobs"] = azurite.ConnectionString.Replace(AzuriteServer.AccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);
        builder.AddBlobStore();
        using var host = builder.Build();

        await Assert.ThrowsAsync<StorageAuthenticationException>(() => host.StartAsync(Cancellation));
    }

    [Fact]
    public async Task AMissingConnectionStringFailsTheStartNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddJobQueue();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<FormatException>(() => host.StartAsync(Cancellation));
        Assert.Contains("ConnectionStrings__queues", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
