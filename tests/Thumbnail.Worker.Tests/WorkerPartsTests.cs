using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Messaging;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker.Tests;

public sealed class WorkerPartsTests
{
    [Fact]
    public void RetriesWaitLongerAfterEachFailedDeliveryButNeverLongerThanTheVisibilityTimeout()
    {
        var visibility = TimeSpan.FromSeconds(10);

        var delays = Enumerable.Range(1, 6).Select(n => JobHandler.RetryDelay(n, visibility).TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 10, 10], delays);
    }

    [Fact]
    public void TheJobSpanContinuesTheTraceCarriedInTheMessage()
    {
        using var source = new ActivitySource("Scrapbook.Thumbnail.Worker.Tests." + Guid.NewGuid());
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var job = new ThumbnailJob(Guid.NewGuid(), new string('f', 64), "originals/x", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=value");
        var message = new JobMessage("id-1", 3, BinaryData.FromString("{}"), null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        using var activity = JobTrace.Start(source, "thumbnails", message, job);

        Assert.NotNull(activity);
        Assert.Equal(ActivityKind.Consumer, activity.Kind);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", activity.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", activity.ParentSpanId.ToHexString());
        Assert.Equal("vendor=value", activity.TraceStateString);
        Assert.Equal(job.PhotoId.ToString("D"), activity.GetTagItem("scrapbook.photo.id"));
        Assert.Equal(3L, activity.GetTagItem("messaging.message.delivery_count"));
    }

    [Fact]
    public void AJobWithoutATraceparentStartsANewTrace()
    {
        using var source = new ActivitySource("Scrapbook.Thumbnail.Worker.Tests." + Guid.NewGuid());
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var job = new ThumbnailJob(Guid.NewGuid(), new string('f', 64), "originals/x", "garbage", null);
        var message = new JobMessage("id-1", 1, BinaryData.FromString("{}"), null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        using var activity = JobTrace.Start(source, "thumbnails", message, job);

        Assert.NotNull(activity);
        Assert.Equal(default, activity.ParentSpanId);
    }

    [Theory]
    [InlineData("Worker:Concurrency", "0", "Concurrency")]
    [InlineData("Worker:VisibilityTimeout", "00:00:00.500", "VisibilityTimeout")]
    [InlineData("Worker:ReceiveWait", "00:00:00.050", "ReceiveWait")]
    public async Task AMisconfiguredWorkerFailsToStartNamingTheSetting(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = "UseDevelopmentStorage=true",
            ["ConnectionStrings:queues"] = "UseDevelopmentStorage=true",
            [key] = value,
        });
        builder.AddBasicServiceDefaults();
        builder.AddThumbnailPipeline();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
