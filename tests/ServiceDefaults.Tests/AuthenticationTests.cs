using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

/// <summary>The owner-token and admin-key schemes and the policies route groups declare, on a real Kestrel app.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string AdminKey = "the-admin-key-for-these-tests-0123456789";
    private readonly KnownTokens _tokens = new();
    private TestService? _service;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _service = await TestService.StartAsync(
        builder => builder.AddServiceDefaults().AddScrapbookAuthentication().Services.AddSingleton<IOwnerResolver>(_tokens),
        app =>
        {
            app.MapDefaultEndpoints();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapGet("/public", (ClaimsPrincipal user) => $"{user.GetOwnerId()}|{user.IsAdmin()}").RequireAuthorization(ScrapbookPolicies.Anyone);
            app.MapGet("/mine", (ClaimsPrincipal user) => user.GetOwnerId()).RequireAuthorization(ScrapbookPolicies.Owner);
            app.MapGet("/admin", () => "admin").RequireAuthorization(ScrapbookPolicies.Admin);
            app.MapGet("/either", (ClaimsPrincipal user) => $"{user.GetOwnerId()}|{user.IsAdmin()}").RequireAuthorization(ScrapbookPolicies.OwnerOrAdmin);
        },
        new Dictionary<string, string?> { ["Admin:Key"] = AdminKey });

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnOwnerTokenFromCookieOrBearerNamesTheOwner()
    {
        var token = OwnerToken.Create();

        using var bearer = await SendAsync("/mine", bearer: token);
        using var cookie = await SendAsync("/mine", cookie: token);

        Assert.Equal(OwnerToken.ComputeHash(token), await bearer.Content.ReadAsStringAsync(Ct));
        Assert.Equal(OwnerToken.ComputeHash(token), await cookie.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task AClientThatAcceptsNoJsonIsStillRefusedWithItsProblemNotA500()
    {
        // A browser's EventSource asks for text/event-stream only; ASP.NET Core's own writer would not write for it.
        using var refused = await SendAsync("/mine", accept: "text/event-stream");
        using var forbidden = await SendAsync("/admin", adminKey: "wrong", accept: "text/event-stream");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (refused.StatusCode, forbidden.StatusCode));
        foreach (var (response, type) in new[] { (refused, ProblemTypes.Unauthorized), (forbidden, ProblemTypes.Forbidden) })
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("short")]
    [InlineData("not a token at all, but long enough to pass")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/")]
    public async Task NoOrAForgedOwnerTokenIsAnswered401WithProblemDetailsSayingWhatToSend(string? token)
    {
        using var response = await SendAsync("/mine", bearer: token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(ProblemTypes.Unauthorized, problem.GetProperty("type").GetString());
        Assert.Contains("owner token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AdminEndpointsTakeTheKeyRefuseAWrongOneWith403AndNoneWith401()
    {
        using var right = await SendAsync("/admin", adminKey: AdminKey);
        using var wrong = await SendAsync("/admin", adminKey: "guessed");
        using var none = await SendAsync("/admin");
        using var ownerOnly = await SendAsync("/admin", bearer: OwnerToken.Create());

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(ProblemTypes.Forbidden, (await ReadProblemAsync(wrong)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, ownerOnly.StatusCode);
    }

    [Fact]
    public async Task WithoutAConfiguredKeyNoKeyIsAdmin()
    {
        await using var service = await TestService.StartAsync(
            builder => builder.AddServiceDefaults().AddScrapbookAuthentication().Services.AddSingleton<IOwnerResolver>(_tokens),
            app =>
            {
                app.MapDefaultEndpoints();
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/admin", () => "admin").RequireAuthorization(ScrapbookPolicies.Admin);
            });
        using var client = service.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin");
        request.Headers.Add(AdminKeyAuthenticationOptions.HeaderName, AdminKey);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task OwnerOrAdminTakesEitherAndPublicEndpointsStillKnowWhoAsks()
    {
        var token = OwnerToken.Create();

        using var asOwner = await SendAsync("/either", bearer: token);
        using var asAdmin = await SendAsync("/either", adminKey: AdminKey);
        using var asNobody = await SendAsync("/either");
        using var publicAnonymous = await SendAsync("/public");
        using var publicWithWrongKey = await SendAsync("/public", adminKey: "guessed");
        using var publicAsBoth = await SendAsync("/public", bearer: token, adminKey: AdminKey);

        Assert.Equal($"{OwnerToken.ComputeHash(token)}|False", await asOwner.Content.ReadAsStringAsync(Ct));
        Assert.Equal("|True", await asAdmin.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        Assert.Equal("|False", await publicAnonymous.Content.ReadAsStringAsync(Ct));
        Assert.Equal("|False", await publicWithWrongKey.Content.ReadAsStringAsync(Ct));
        Assert.Equal($"{OwnerToken.ComputeHash(token)}|True", await publicAsBoth.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task APairedTokenNamesItsOwnerAndARevokedOneIsNobody()
    {
        var first = OwnerToken.Create();
        var paired = OwnerToken.Create();
        var revoked = OwnerToken.Create();
        var ownerId = OwnerToken.ComputeHash(first)!;
        _tokens.Pair(paired, ownerId);
        _tokens.Revoke(revoked);

        using var asPaired = await SendAsync("/mine", bearer: paired);
        using var revokedMine = await SendAsync("/mine", cookie: revoked);
        using var revokedPublic = await SendAsync("/public", bearer: revoked);

        Assert.Equal(ownerId, await asPaired.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, revokedMine.StatusCode);
        Assert.Equal(ProblemTypes.Unauthorized, (await ReadProblemAsync(revokedMine)).GetProperty("type").GetString());
        Assert.Equal("|False", await revokedPublic.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ATokenWhoseOwnerCannotBeToldIsAnswered503WithRetryAfterNeverAsSomeoneElse()
    {
        var token = OwnerToken.Create();
        _tokens.MakeUnanswerable(token);

        foreach (var path in new[] { "/mine", "/public" })
        {
            using var response = await SendAsync(path, bearer: token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(ProblemTypes.DependencyDown, (await ReadProblemAsync(response)).GetProperty("type").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        using var anonymous = await SendAsync("/public");
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? bearer = null, string? cookie = null, string? adminKey = null, string? accept = null)
    {
        using var client = _service!.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{OwnerToken.CookieName}={cookie}");
        }

        if (adminKey is not null)
        {
            request.Headers.Add(AdminKeyAuthenticationOptions.HeaderName, adminKey);
        }

        return await client.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }
}
