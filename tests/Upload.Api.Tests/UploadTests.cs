using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Upload.Api.Tests.Support;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>Uploads that succeed, against the real Gallery.Api and blob store.</summary>
[Collection(UploadApiCollection.Name)]
public sealed class UploadTests(UploadApiFixture servers)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SessionIssuesAnHttpOnlyLaxCookieAndTheSameTokenInTheBody()
    {
        await using var api = servers.CreateUploadApi();
        using var client = api.CreateClient();

        using var response = await client.PostAsync("/api/session", null, Cancellation);
        var session = await response.Content.ReadFromJsonAsync<SessionResponse>(Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"sb_owner={session!.Token};", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(session.Token.Length >= 22);

        // Asking again with the token keeps the identity rather than orphaning the owner's photos.
        client.DefaultRequestHeaders.Authorization = new("Bearer", session.Token);
        using var again = await client.PostAsync("/api/session", null, Cancellation);
        Assert.Equal(session.Token, (await again.Content.ReadFromJsonAsync<SessionResponse>(Cancellation))!.Token);
    }

    [Fact]
    public async Task TempFilesLeftByADeadProcessAreDeletedAtStartButRecentOnesAreKept()
    {
        await using var api = servers.CreateUploadApi();
        var orphan = Path.Combine(api.TempPath, "upload-orphan.tmp");
        var inFlight = Path.Combine(api.TempPath, "upload-in-flight.tmp");
        var unrelated = Path.Combine(api.TempPath, "someone-else.tmp");
        foreach (var path in new[] { orphan, inFlight, unrelated })
        {
            await File.WriteAllBytesAsync(path, [1, 2, 3], Cancellation);
        }

        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(unrelated, DateTime.UtcNow.AddHours(-2));

        using var client = api.CreateClient(); // starts the host

        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(inFlight));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public async Task AMisconfigurationFailsAtStartWithTheSettingNamed()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["UrlFetch:MaxRedirects"] = "50" });

        var failure = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("MaxRedirects", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawUploadIsAcceptedWith202AndLocationAndTheOriginalIsStored()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var jpeg = await TestImages.JpegAsync(640, 480, Cancellation);

        using var response = await client.PostAsync("/api/uploads?caption=Sunset&author=Ann", Requests.Raw(jpeg), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var photo = await Requests.PhotoAsync(response);
        Assert.Equal($"/api/photos/{photo.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(PhotoStatus.Processing, photo.Status);
        Assert.Equal((640, 480), (photo.Width, photo.Height));
        Assert.Equal(("Sunset", "Ann"), (photo.Caption, photo.Author));
        Assert.Equal(jpeg, await api.ReadOriginalAsync(Requests.Sha256(jpeg), Cancellation));
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task MultipartUploadWithCaptionAfterTheFileIsAccepted()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png(120, 80);
        using var form = Requests.Multipart(("holiday.png", png));
        form.Add(new StringContent("Beach day"), "caption");
        form.Add(new StringContent("Bo"), "author");

        using var response = await client.PostAsync("/api/uploads", form, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var photo = await Requests.PhotoAsync(response);
        Assert.Equal(("Beach day", "Bo"), (photo.Caption, photo.Author));
        Assert.Equal((120, 80), (photo.Width, photo.Height));
        Assert.Equal(png, await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task SameOwnerUploadingTheSameBytesAgainGets200WithTheSamePhoto()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();

        using var first = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        using var second = await client.PostAsync("/api/uploads", Requests.Multipart(("again.png", png)), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((await Requests.PhotoAsync(first)).Id, (await Requests.PhotoAsync(second)).Id);
    }

    [Fact]
    public async Task TwoOwnersUploadingTheSameBytesGetTwoPhotosSharingOneOriginal()
    {
        await using var api = servers.CreateUploadApi();
        using var alice = await api.CreateOwnerClientAsync(Cancellation);
        using var bob = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();

        using var first = await alice.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        using var second = await bob.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.NotEqual((await Requests.PhotoAsync(first)).Id, (await Requests.PhotoAsync(second)).Id);
        var originals = new List<string>();
        await foreach (var blob in api.Blobs.ListAsync(BlobKeys.Original(Requests.Sha256(png)), Cancellation))
        {
            originals.Add(blob.Key);
        }

        Assert.Equal([BlobKeys.Original(Requests.Sha256(png))], originals);
    }

    [Fact]
    public async Task TwoConcurrentIdenticalUploadsByOneOwnerMakeOnePhoto()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png(300, 300);

        var responses = await Task.WhenAll(
            client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation),
            client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation));

        try
        {
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, r.StatusCode.ToString()));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
            var ids = await Task.WhenAll(responses.Select(Requests.PhotoAsync));
            Assert.Equal(ids[0].Id, ids[1].Id);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task MultipartWithSeveralFilesAnswers202WithOneResultPerFile()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var known = TestImages.Png();
        using (var earlier = await client.PostAsync("/api/uploads", Requests.Raw(known, "image/png"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, earlier.StatusCode);
        }

        var fresh = TestImages.Png();
        using var response = await client.PostAsync(
            "/api/uploads",
            Requests.Multipart(("new.png", fresh), ("drawing.svg", TestImages.Svg()), ("known.png", known)),
            Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Null(response.Headers.Location);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation));
        var items = body.RootElement.EnumerateArray().ToArray();
        Assert.Equal(3, items.Length);
        Assert.Equal(("new.png", 202), (items[0].GetProperty("fileName").GetString(), items[0].GetProperty("status").GetInt32()));
        Assert.StartsWith("/api/photos/", items[0].GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.Equal("processing", items[0].GetProperty("photo").GetProperty("status").GetString());
        Assert.Equal(415, items[1].GetProperty("status").GetInt32());
        Assert.Equal(ProblemTypes.UnsupportedFormat, items[1].GetProperty("problem").GetProperty("type").GetString());
        Assert.False(items[1].TryGetProperty("photo", out _));
        Assert.Equal(200, items[2].GetProperty("status").GetInt32());
        Assert.Equal(fresh, await api.ReadOriginalAsync(Requests.Sha256(fresh), Cancellation));
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task UrlUploadFromAnAllowedLoopbackServerIsAcceptedLikeADirectUpload()
    {
        var jpeg = await TestImages.JpegAsync(320, 240, Cancellation);
        await using var server = LoopbackServer.Start(request =>
            request.RespondAsync(200, new Dictionary<string, string> { ["Content-Type"] = "image/jpeg" }, jpeg));
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["UrlFetch:AllowLoopbackForTesting"] = "true" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsJsonAsync("/api/uploads/url", new { url = server.Url("/cat.jpg"), caption = "From the web" }, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var photo = await Requests.PhotoAsync(response);
        Assert.Equal($"/api/photos/{photo.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("From the web", photo.Caption);
        Assert.Equal(jpeg, await api.ReadOriginalAsync(Requests.Sha256(jpeg), Cancellation));
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }
}
