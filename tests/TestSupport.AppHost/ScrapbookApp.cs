using System.Globalization;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;

namespace Scrapbook.Testing;

/// <summary>
/// Scrapbook's real AppHost started with Aspire.Hosting.Testing: DCP, the Aspire dashboard, redis-server, Azurite and the
/// five services (two workers), on random loopback ports, with its data in a temporary folder. Use it as a class
/// fixture so that one start serves every test of a class. It knows the keys it started with: the admin key, and the
/// dashboard's API key for its telemetry API (<c>/api/telemetry/…</c>, header <c>x-api-key</c>).
/// </summary>
public sealed class ScrapbookApp : IAsyncLifetime
{
    /// <summary>The services a photo's trace crosses, as their telemetry names them.</summary>
    public static readonly string[] Services = ["gateway", "upload-api", "gallery-api", "thumbnail-worker", "notify-api"];

    /// <summary>The resources that run them, which the fixture waits to be healthy: Upload.Api runs as two replicas.</summary>
    public static readonly string[] ServiceResources = ["gateway", "upload-api-1", "upload-api-2", "gallery-api", "thumbnail-worker", "notify-api"];

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _data = new("scrapbook-apphost");
    private DistributedApplication? _app;

    /// <summary>Extra AppHost arguments (for example <c>--Database=postgres</c>); set before starting.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Changes to the application model before it is built (for example a service's environment); set before starting.</summary>
    public Action<IDistributedApplicationTestingBuilder>? Configure { get; init; }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not been started.");

    public string AdminKey { get; } = NewKey();

    public string DashboardApiKey { get; } = NewKey();

    public Uri GatewayUrl { get; private set; } = null!;

    public Uri DashboardUrl { get; private set; } = null!;

    /// <summary>The dashboard's login link (<c>/login?t=…</c>): opening it in a browser signs that browser in.</summary>
    public Uri DashboardLoginUrl { get; private set; } = null!;

    /// <summary>The AppHost's data folder for this run (backing servers' data, the SQLite database).</summary>
    public string DataDirectory => _data.Path;

    public async ValueTask InitializeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(s_startTimeout);
        try
        {
            await StartAsync(timeout.Token);
        }
        catch
        {
            await DisposeAsync(); // a fixture that failed to start is not always disposed
            throw;
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Scrapbook_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                $"--DataDirectory={_data.Path}",
                $"--Parameters:admin-key={AdminKey}",
                // Given rather than generated, so that nothing is written to the developer's user secrets.
                $"--AppHost:DashboardApiKey={DashboardApiKey}",
                $"--AppHost:OtlpApiKey={NewKey()}",
                // Webhook receivers in tests listen on 127.0.0.1.
                "--Webhooks:AllowLoopback=true",
                // The gateway listens itself (no orchestrator proxy, whose port would be randomised): on a port of its own.
                $"--Gateway:Port={FreePort.Next()}",
                .. ExtraArguments,
            ],
            cancellationToken);
        Configure?.Invoke(builder);
        _app = await builder.BuildAsync(cancellationToken);
        await _app.StartAsync(cancellationToken);

        foreach (var service in ServiceResources)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(service, cancellationToken);
        }

        GatewayUrl = _app.GetEndpoint("gateway", "http");
        DashboardLoginUrl = await _app.GetDashboardUrlAsync(cancellationToken);
        DashboardUrl = new Uri(DashboardLoginUrl.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>
    /// An HTTP client for the gateway (base address <see cref="GatewayUrl"/>) that keeps no cookies: with the
    /// <c>sb_owner</c> cookie kept, every <c>POST /api/session</c> would hand back the same owner, and tests that make
    /// several owners with one client would share one.
    /// </summary>
    public HttpClient CreateGatewayClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = GatewayUrl, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Uploads a fresh JPEG through the gateway as a new owner and waits (two minutes at most) until it is processed;
    /// returns the photo as its owner then sees it.
    /// </summary>
    public async Task<PhotoDto> UploadNewPhotoAsync(string name, CancellationToken cancellationToken = default)
    {
        using var http = CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, cancellationToken);
        using var folder = new TempDirectory("upload");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, name), 640, 480, cancellationToken);
        using var response = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"The upload was answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await ScrapbookClient.WaitUntilProcessedAsync(http, response.Headers.Location!.ToString(), token, TimeSpan.FromMinutes(2), cancellationToken);
    }

    /// <summary>An HTTP client for the dashboard's telemetry API, sending this run's API key.</summary>
    public HttpClient CreateDashboardClient()
    {
        var client = new HttpClient { BaseAddress = DashboardUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
        return client;
    }

    /// <summary>The process id DCP reports for each running replica of a resource (<c>executable.pid</c>, <c>project.pid</c>).</summary>
    public async Task<IReadOnlyDictionary<string, int>> GetProcessIdsAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var replicas = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName).GetReplicaCount();
        var pids = new Dictionary<string, int>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var seen = "";
        try
        {
            await foreach (var update in App.ResourceNotifications.WatchAsync(timeout.Token))
            {
                if (update.Resource.Name != resourceName)
                {
                    continue;
                }

                seen = $"{update.ResourceId} {update.Snapshot.State?.Text}: {string.Join(", ", update.Snapshot.Properties.Select(p => $"{p.Name}={p.Value}"))}";
                if (update.Snapshot.State?.Text == KnownResourceStates.Running
                    && update.Snapshot.Properties.FirstOrDefault(p => p.Name is "executable.pid" or "project.pid")?.Value is { } value
                    && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), out var pid))
                {
                    pids[update.ResourceId] = pid;
                }
                else
                {
                    pids.Remove(update.ResourceId);
                }

                if (pids.Count == replicas)
                {
                    return pids;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"{resourceName}: {pids.Count} of {replicas} replicas running with a process id within a minute; last update: {seen}");
    }

    /// <summary>Stops every resource and DCP, then deletes the data folder. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            var app = _app;
            _app = null;
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        _data.Dispose();
    }

    private static string NewKey() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
