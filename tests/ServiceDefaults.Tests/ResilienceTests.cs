using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed class ResilienceTests : IAsyncLifetime
{
    private const int FailuresBeforeRecovery = 2;

    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private TestService _flaky = null!;
    private TestService _caller = null!;

    public async ValueTask InitializeAsync()
    {
        // Fails the first two attempts of every key with 503, then answers 200.
        _flaky = await TestService.StartAsync(_ => { }, app => app.Map("/flaky/{key}", (string key) =>
            _attempts.AddOrUpdate(key, 1, (_, n) => n + 1) <= FailuresBeforeRecovery
                ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
                : Results.Text("recovered")));

        _caller = await TestService.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.AddHttpClient("flaky", client => client.BaseAddress = _flaky.BaseAddress);
                // Only the waits shrink, to keep the test short; the policy itself is the one services get.
                builder.Services.PostConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.Delay = TimeSpan.FromMilliseconds(20));
            },
            app => app.MapDefaultEndpoints());
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _flaky.DisposeAsync();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AnIdempotentRequestIsRetriedUntilTheServerRecovers(string method)
    {
        using var response = await SendAsync(method, out var key);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(FailuresBeforeRecovery + 1, _attempts[key]);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task AnUnsafeRequestIsNotRetried(string method)
    {
        using var response = await SendAsync(method, out var key);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(1, _attempts[key]);
    }

    private Task<HttpResponseMessage> SendAsync(string method, out string key)
    {
        key = Guid.NewGuid().ToString("N");
        var client = _caller.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("flaky");
        var request = new HttpRequestMessage(new HttpMethod(method), $"/flaky/{key}");
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
