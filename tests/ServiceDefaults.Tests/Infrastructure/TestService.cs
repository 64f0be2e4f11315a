using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Scrapbook.ServiceDefaults.Tests.Infrastructure;

/// <summary>A real Kestrel application on a free loopback port, stopped and disposed with the test.</summary>
internal sealed class TestService : IAsyncDisposable
{
    private bool _stopped;

    private TestService(WebApplication app)
    {
        App = app;
        BaseAddress = new Uri(app.Urls.Single());
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public static async Task<TestService> StartAsync(
        Action<WebApplicationBuilder> configureBuilder,
        Action<WebApplication> configureApp,
        IReadOnlyDictionary<string, string?>? settings = null,
        string environmentName = "Production",
        bool slim = false)
    {
        var options = new WebApplicationOptions { EnvironmentName = environmentName };
        var builder = slim ? WebApplication.CreateSlimBuilder(options) : WebApplication.CreateBuilder(options);
        builder.Logging.ClearProviders();
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        configureBuilder(builder);

        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        configureApp(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TestService(app);
    }

    /// <summary>
    /// A client that sends a test's own <c>traceparent</c> unchanged: the test host runs the service's telemetry
    /// too, so without this its own call would be traced as a parentless background call (unsampled) and that
    /// context, not the test's, would reach the service.
    /// </summary>
    public HttpClient CreateClient() =>
        new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = BaseAddress };

    public async Task StopAsync()
    {
        _stopped = true;
        await App.StopAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await App.StopAsync(CancellationToken.None);
        }

        await App.DisposeAsync();
    }
}
