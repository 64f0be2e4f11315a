using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Messaging.Tests;

public sealed class HostingTests(AzuriteServer azurite, RedisFixture redis)
{
    private const string Namespace = "scrapbook-test.servicebus.windows.net";

    // Never used to connect: these tests only resolve what the configuration selects.
    private static readonly string s_serviceBusConnectionString =
        $"Endpoint=sb://{Namespace}/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={Convert.ToBase64String(new byte[32])}";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void AQueuesConnectionStringSelectsStorageQueuesKeyedByTheQueueName()
    {
        var name = TestQueues.UniqueName();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.AddJobQueue(name);
        using var host = builder.Build();

        var queue = host.Services.GetRequiredService<IJobQueue>();

        Assert.IsType<StorageQueueJobQueue>(queue);
        Assert.Same(queue, host.Services.GetRequiredKeyedService<IJobQueue>(name));
        Assert.Equal(name, queue.Name);
        Assert.Equal($"{name}-poison", queue.DeadLetterName);
    }

    [Fact]
    public void AMessagingConnectionStringSelectsServiceBusEvenWhenQueuesIsSetToo()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:messaging"] = s_serviceBusConnectionString;
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.AddJobQueue();
        using var host = builder.Build();

        var queue = host.Services.GetRequiredService<IJobQueue>();

        Assert.IsType<ServiceBusJobQueue>(queue);
        Assert.Equal("thumbnails", queue.Name);
        Assert.Equal("thumbnails/$deadletterqueue", queue.DeadLetterName);
        Assert.Equal(Namespace, ServiceBusClientOf(host).FullyQualifiedNamespace);
    }

    [Theory]
    [InlineData(Namespace)]
    [InlineData($"sb://{Namespace}/")]
    [InlineData($"https://{Namespace}:443/")]
    public void AServiceBusNamespaceInsteadOfAConnectionStringIsReachedWithATokenCredential(string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:messaging"] = value;
        builder.AddJobQueue();
        using var host = builder.Build();

        Assert.IsType<ServiceBusJobQueue>(host.Services.GetRequiredService<IJobQueue>());
        Assert.Equal(Namespace, ServiceBusClientOf(host).FullyQualifiedNamespace);
    }

    [Fact]
    public void AQueueServiceUriInsteadOfAConnectionStringIsReachedWithATokenCredential()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = "https://scrapbook.queue.core.windows.net/";
        builder.AddJobQueue();
        using var host = builder.Build();

        Assert.IsType<StorageQueueJobQueue>(host.Services.GetRequiredService<IJobQueue>());
        var client = host.Services.GetRequiredService<IAzureClientFactory<QueueServiceClient>>().CreateClient("queues");
        Assert.Equal(new Uri("https://scrapbook.queue.core.windows.net/"), client.Uri);
        Assert.False(client.CanGenerateAccountSasUri); // only an account key can sign a SAS: no key here
    }

    [Fact]
    public async Task WithNeitherConnectionStringTheStartFailsNamingBoth()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddJobQueue();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:queues", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedConnectionStringFailsTheStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = "AccountName=nobody";
        builder.AddJobQueue();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("ConnectionStrings:queues", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartingTheHostCreatesTheQueueAndItsPoisonQueueAndTheHealthCheckIsHealthy()
    {
        var name = TestQueues.UniqueName();
        var builder = Host.CreateApplicationBuilder();
        builder.AddJobQueue(name);
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString; // set after AddJobQueue, as a test host does
        using var host = builder.Build();
        var service = TestQueues.StorageService(azurite);
        Assert.False(await service.GetQueueClient(name).ExistsAsync(Cancellation));

        await host.StartAsync(Cancellation);
        try
        {
            Assert.True(await service.GetQueueClient(name).ExistsAsync(Cancellation));
            Assert.True(await service.GetQueueClient($"{name}-poison").ExistsAsync(Cancellation));

            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Tags.Contains("ready"), Cancellation);
            var entry = report.Entries[$"queue-{name}"];
            Assert.Equal(HealthStatus.Healthy, entry.Status);
            Assert.Contains(name, entry.Description, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync(Cancellation);
        }
    }

    [Fact]
    public async Task TheHealthCheckIsUnhealthyNotThrowingWhenTheStorageServiceIsDown()
    {
        var name = TestQueues.UniqueName();
        var stoppable = new AzuriteServer();
        try
        {
            await stoppable.InitializeAsync();
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration["ConnectionStrings:queues"] = stoppable.ConnectionString;
            builder.AddJobQueue(name);
            using var host = builder.Build();
            await host.StartAsync(Cancellation);
            await stoppable.DisposeAsync();

            var stopwatch = Stopwatch.StartNew();
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);

            var entry = report.Entries[$"queue-{name}"];
            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Contains(name, entry.Description, StringComparison.Ordinal);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(9), $"the check took {stopwatch.Elapsed}");
            await host.StopAsync(Cancellation);
        }
        finally
        {
            await stoppable.DisposeAsync(); // a second time is harmless
        }
    }

    [Fact]
    public async Task WithARegisteredRedisConnectionStorageReceiversAreWokenBySends()
    {
        var name = TestQueues.UniqueName();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.Configuration["JobQueue:MinPollInterval"] = "00:00:30";
        builder.Configuration["JobQueue:MaxPollInterval"] = "00:00:30";
        builder.Services.AddSingleton(redis.Multiplexer);
        builder.AddJobQueue(name);
        using var host = builder.Build();
        await host.StartAsync(Cancellation);
        try
        {
            var queue = (StorageQueueJobQueue)host.Services.GetRequiredService<IJobQueue>();
            await TestQueues.WarmUpAsync(queue, queue);

            var receive = queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), Cancellation);
            await TestQueues.WaitForWaitingReceiversAsync(queue, 1);

            var stopwatch = Stopwatch.StartNew();
            await queue.SendAsync(TestQueues.NewJob("nudged"), Cancellation);
            var received = await receive.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

            Assert.Equal("nudged", Assert.Single(received).Body.ToString());
            Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
        }
        finally
        {
            await host.StopAsync(Cancellation);
        }
    }

    [Fact]
    public void TheFirstQueueIsTheUnkeyedDefaultAndAddingOneTwiceIsHarmless()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.AddJobQueue("first-jobs").AddJobQueue("second-jobs").AddJobQueue("first-jobs");
        using var host = builder.Build();

        var first = host.Services.GetRequiredKeyedService<IJobQueue>("first-jobs");
        var second = host.Services.GetRequiredKeyedService<IJobQueue>("second-jobs");

        Assert.Same(first, host.Services.GetRequiredService<IJobQueue>());
        Assert.Equal("second-jobs", second.Name);
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(check => check.Name);
        Assert.Equal(["queue-first-jobs", "queue-second-jobs"], checks.Order());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("-jobs")]
    [InlineData("jobs-")]
    [InlineData("jo--bs")]
    [InlineData("Jobs")]
    [InlineData("jobs_1")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void AnInvalidQueueNameIsRefusedWithAClearMessage(string name)
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<ArgumentException>(() => builder.AddJobQueue(name));
        Assert.Contains($"'{name}' is not a valid queue name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PollIntervalsAreReadFromTheJobQueueSection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["JobQueue:MinPollInterval"] = "00:00:00.5";
        builder.Configuration["JobQueue:MaxPollInterval"] = "00:00:05";
        builder.AddJobQueue();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<JobQueueOptions>>().Value;

        Assert.Equal(TimeSpan.FromMilliseconds(500), options.MinPollInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MaxPollInterval);
    }

    [Fact]
    public async Task ALongestPollIntervalShorterThanTheFirstFailsTheStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:queues"] = azurite.ConnectionString;
        builder.Configuration["JobQueue:MinPollInterval"] = "00:00:05";
        builder.Configuration["JobQueue:MaxPollInterval"] = "00:00:01";
        builder.AddJobQueue(TestQueues.UniqueName());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Cancellation));
        Assert.Contains("JobQueue:MaxPollInterval", error.Message, StringComparison.Ordinal);
    }

    private static ServiceBusClient ServiceBusClientOf(IHost host) =>
        host.Services.GetRequiredService<IAzureClientFactory<ServiceBusClient>>().CreateClient("messaging");
}
