using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed class OwnerTokenTests
{
    [Fact]
    public void ACreatedTokenIsBase64UrlOf256RandomBits()
    {
        var token = OwnerToken.Create();

        Assert.Equal(43, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        Assert.NotEqual(token, OwnerToken.Create());
    }

    [Fact]
    public void TheOwnerIdIsTheLowercaseHexSha256OfTheToken()
    {
        var token = OwnerToken.Create();

        var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();
        Assert.Equal(expected, OwnerToken.ComputeHash(token));
    }

    [Fact]
    public void TheSameTokenGivesTheSameOwnerIdFromCookieAndFromBearerHeader()
    {
        var token = OwnerToken.Create();
        var fromCookie = RequestWith(cookie: $"{OwnerToken.CookieName}={token}");
        var fromBearer = RequestWith(authorization: $"Bearer {token}");

        var cookieOwner = OwnerToken.GetTokenHash(fromCookie);

        Assert.NotNull(cookieOwner);
        Assert.Equal(cookieOwner, OwnerToken.GetTokenHash(fromBearer));
        Assert.Equal(OwnerToken.ComputeHash(token), cookieOwner);
    }

    [Fact]
    public void ARequestWithoutATokenHasNoOwner()
    {
        Assert.Null(OwnerToken.GetTokenHash(RequestWith()));
        Assert.Null(OwnerToken.GetTokenHash(RequestWith(cookie: "other=value")));
        Assert.Null(OwnerToken.GetTokenHash(RequestWith(authorization: "Basic dXNlcjpwYXNz")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("not a token at all, but long enough to pass")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA\u00e9AAAAAAAAAAAAAAAAAAAAAAA")]
    public void AMalformedTokenHasNoOwnerAndDoesNotThrow(string token)
    {
        Assert.Null(OwnerToken.ComputeHash(token));
        Assert.Null(OwnerToken.GetTokenHash(RequestWith(authorization: $"Bearer {token}")));
        Assert.Null(OwnerToken.GetTokenHash(RequestWith(cookie: $"{OwnerToken.CookieName}={Uri.EscapeDataString(token)}")));
    }

    [Fact]
    public void AnOverlongTokenHasNoOwner()
    {
        var overlong = new string('A', 4096);

        Assert.Null(OwnerToken.ComputeHash(overlong));
        Assert.Null(OwnerToken.GetTokenHash(RequestWith(authorization: $"Bearer {overlong}")));
    }

    [Fact]
    public void AnExplicitBearerHeaderWinsOverTheCookie()
    {
        var cookieToken = OwnerToken.Create();
        var bearerToken = OwnerToken.Create();

        var request = RequestWith(cookie: $"{OwnerToken.CookieName}={cookieToken}", authorization: $"Bearer {bearerToken}");

        Assert.Equal(OwnerToken.ComputeHash(bearerToken), OwnerToken.GetTokenHash(request));
    }

    [Fact]
    public async Task ABrowserKeepsTheIssuedCookieAndIsRecognisedByIt()
    {
        await using var service = await TestService.StartAsync(
            builder => builder.AddServiceDefaults(),
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapPost("/session", (HttpResponse response) =>
                {
                    var token = OwnerToken.Create();
                    OwnerToken.AppendCookie(response, token);
                    return TypedResults.Ok(new SessionResponse(token));
                });
                app.MapGet("/me", (HttpContext context) => OwnerToken.GetTokenHash(context) is { } owner
                    ? Results.Text(owner)
                    : Results.Unauthorized());
            });
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = service.BaseAddress };
        var cancellationToken = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/me", cancellationToken)).StatusCode);
        using var session = await browser.PostAsync("/session", content: null, cancellationToken);
        var issued = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<SessionResponse>(session.Content, cancellationToken))!.Token;
        var setCookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));

        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(OwnerToken.ComputeHash(issued), await browser.GetStringAsync("/me", cancellationToken));

        using var app = service.CreateClient();
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/me");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issued);
        using var asApp = await app.SendAsync(bearer, cancellationToken);
        Assert.Equal(OwnerToken.ComputeHash(issued), await asApp.Content.ReadAsStringAsync(cancellationToken));
    }

    private static HttpRequest RequestWith(string? cookie = null, string? authorization = null)
    {
        var context = new DefaultHttpContext();
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }

        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }

    private sealed record SessionResponse(string Token);
}
