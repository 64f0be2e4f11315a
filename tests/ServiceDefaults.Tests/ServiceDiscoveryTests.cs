using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed class ServiceDiscoveryTests : IAsyncLifetime
{
    private TestService _first = null!;
    private TestService _second = null!;

    public async ValueTask InitializeAsync()
    {
        _first = await StartReplicaAsync("first");
        _second = await StartReplicaAsync("second");
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task RequestsToALogicalNameAlternateBetweenItsTwoEndpoints()
    {
        // The keys Aspire's services__x__http__0 and __1 environment variables become.
        var settings = new Dictionary<string, string?>
        {
            ["services:x:http:0"] = _first.BaseAddress.ToString(),
            ["services:x:http:1"] = _second.BaseAddress.ToString(),
        };
        await using var caller = await TestService.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.AddHttpClient("x", client => client.BaseAddress = new Uri("http://x"));
            },
            app => app.MapDefaultEndpoints(),
            settings);
        using var client = caller.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("x");

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await client.GetStringAsync("/whoami", TestContext.Current.CancellationToken));
        }

        Assert.Equal(3, answers.Count(a => a == "first"));
        Assert.Equal(3, answers.Count(a => a == "second"));
        Assert.All(answers.Zip(answers.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    private static Task<TestService> StartReplicaAsync(string name) =>
        TestService.StartAsync(_ => { }, app => app.MapGet("/whoami", () => TypedResults.Text(name)));
}
