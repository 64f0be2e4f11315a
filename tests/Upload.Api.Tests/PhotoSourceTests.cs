using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>Where an image saved from the web was found: kept in its own fields, never mixed into the caption.</summary>
[Collection(UploadApiCollection.Name)]
public sealed class PhotoSourceTests(UploadApiFixture servers)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheSourcePageIsKeptBesideTheCaptionWhicheverWayTheImageArrives()
    {
        var jpeg = await TestImages.JpegAsync(200, 150, Cancellation);
        await using var server = LoopbackServer.Start(request =>
            request.RespondAsync(200, new Dictionary<string, string> { ["Content-Type"] = "image/jpeg" }, jpeg));
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["UrlFetch:AllowLoopbackForTesting"] = "true" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var byUrl = await client.PostAsJsonAsync(
            "/api/uploads/url",
            new { url = server.Url("/heron.jpg"), caption = "A heron", source = new { url = "https://birds.example/herons?p=2", title = "Herons of the Fens" } },
            Cancellation);
        using var form = Requests.Multipart(("from-page.png", TestImages.Png()));
        form.Add(new StringContent("https://birds.example/egret"), "sourceUrl");
        form.Add(new StringContent("Egrets"), "sourceTitle");
        using var byBytes = await client.PostAsync("/api/uploads", form, Cancellation);
        using var raw = await client.PostAsync(
            $"/api/uploads?sourceUrl={Uri.EscapeDataString("https://birds.example/crane")}", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);

        var fromUrl = await Requests.PhotoAsync(byUrl);
        Assert.Equal(("A heron", new PhotoSource("https://birds.example/herons?p=2", "Herons of the Fens")), (fromUrl.Caption, fromUrl.Source));
        var fromForm = await Requests.PhotoAsync(byBytes);
        Assert.Equal((null, new PhotoSource("https://birds.example/egret", "Egrets")), (fromForm.Caption, fromForm.Source));
        Assert.Equal(new PhotoSource("https://birds.example/crane"), (await Requests.PhotoAsync(raw)).Source);
    }

    [Fact]
    public async Task ASourceThatIsNotAWebAddressIsRefusedBeforeAnythingIsStored()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();

        foreach (var query in new[] { "sourceUrl=javascript%3Aalert(1)", "sourceUrl=%2Frelative", "sourceTitle=No%20address", $"sourceUrl=https%3A%2F%2Fa.example%2F{new string('a', 2100)}" })
        {
            using var response = await client.PostAsync($"/api/uploads?{query}", Requests.Raw(png, "image/png"), Cancellation);
            await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        }

        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }
}
