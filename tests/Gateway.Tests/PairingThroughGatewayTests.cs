using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>Pairing as a browser does it, through the gateway: the code's page, its QR code, and guessing held back per address.</summary>
public sealed class PairingThroughGatewayTests(ServicesBehindGateway system) : IClassFixture<ServicesBehindGateway>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACodeRedeemedThroughTheGatewaySignsTheBrowserInAsTheSameOwnerAndItsQrCodeNamesThePairPage()
    {
        using var client = system.Gateway.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        var code = await ScrapbookClient.NewPairingCodeAsync(client, token, Ct);
        var compact = code.Code.Replace("-", "", StringComparison.Ordinal);

        using (var qr = await client.GetAsync($"/qr/pair.svg?code={compact}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, qr.StatusCode);
            Assert.Equal("image/svg+xml", qr.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"{ServicesBehindGateway.PublicBaseUrl}pair?code={compact}", qr.Headers.GetValues("X-Scrapbook-Address").Single());
        }

        using (var notACode = await client.GetAsync("/qr/pair.svg?code=https://elsewhere.example", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notACode.StatusCode);
        }

        using var redeemed = await client.PostAsJsonAsync("/api/pairing", new PairingRedeemRequest(code.Code), ContractsJsonContext.Default.PairingRedeemRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        var cookie = redeemed.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("sb_owner=", StringComparison.Ordinal)).Split(';')[0];
        using var devices = new HttpRequestMessage(HttpMethod.Get, "/api/me/devices");
        devices.Headers.Add("Cookie", cookie);
        using var listed = await client.SendAsync(devices, Ct);
        var list = await listed.Content.ReadFromJsonAsync(ContractsJsonContext.Default.DeviceList, Ct);
        Assert.Equal(2, list!.Items.Count);
        Assert.True(list.Items[0].Current);
    }

    [Fact]
    public async Task GuessingCodesFromOneAddressIsRateLimited()
    {
        await using var gateway = system.StartGateway(new Dictionary<string, string?> { ["Gateway:PairingRateLimit:PermitLimit"] = "3" });
        using var client = gateway.CreateGatewayClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/pairing", new PairingRedeemRequest(PairingCodes.Create()), ContractsJsonContext.Default.PairingRedeemRequest, Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.NotFound, 3).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), statuses);

        // Asking for a code is the owner's own business and is not counted.
        var token = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        await ScrapbookClient.NewPairingCodeAsync(client, token, Ct);
    }
}
