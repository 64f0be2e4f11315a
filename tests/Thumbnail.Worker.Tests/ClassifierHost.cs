using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Thumbnail.Worker.Classification;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>The worker's <see cref="IPhotoClassifier"/> wired as the service wires it, from the given settings.</summary>
internal sealed class ClassifierHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ClassifierHost(IHost host) => _host = host;

    public IPhotoClassifier Classifier => _host.Services.GetRequiredService<IPhotoClassifier>();

    /// <param name="endpoint">The classifier's address; none configured when null.</param>
    public static async Task<ClassifierHost> StartAsync(Uri? endpoint, string? secret = null, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "Scrapbook.Thumbnail.Worker.Tests",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Classifier:Endpoint"] = endpoint?.ToString(),
            ["Classifier:Secret"] = secret,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.AddBasicServiceDefaults();
        builder.AddPhotoClassifier();
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new ClassifierHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
