using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>
/// Direct-to-storage uploads against real Azurite: the grant, what its URL allows, completion through the normal intake,
/// and clients that lie about the size or type or never complete.
/// </summary>
[Collection(UploadApiCollection.Name)]
public sealed class DirectUploadTests(UploadApiFixture servers)
{
    private const int SmallLimit = 256 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFileWrittenInBlocksThenCompletedBecomesAPhotoAndLeavesNothingStaged()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var jpeg = await TestImages.JpegAsync(1600, 1200, Cancellation);

        var grant = await StartAsync(client, jpeg.Length, "image/jpeg", caption: "Big one", fileName: "IMG_0001.JPG");
        Assert.InRange(grant.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(15));
        Assert.Equal($"/api/uploads/{grant.Id}/complete", grant.CompleteUrl);
        await WriteInBlocksAsync(grant.UploadUrl, jpeg, blockSize: 64 * 1024);
        using var response = await client.PostAsync(grant.CompleteUrl, null, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var photo = await Requests.PhotoAsync(response);
        Assert.Equal($"/api/photos/{photo.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("Big one", 1600, 1200), (photo.Caption, photo.Width, photo.Height));
        Assert.Equal(jpeg, await api.ReadOriginalAsync(Requests.Sha256(jpeg), Cancellation));
        Assert.Empty(await StagedAsync(api, client, grant));
        Assert.Empty(Directory.GetFiles(api.TempPath));

        // Done is done: the upload cannot be completed twice.
        using var again = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        await HttpAssert.ProblemAsync(again, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task TheSameBytesAgainGet200WithTheSamePhoto()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png(90, 60);
        using var first = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        var grant = await StartAsync(client, png.Length, "image/png");
        await PutAsync(grant.UploadUrl, png);
        using var direct = await client.PostAsync(grant.CompleteUrl, null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal((await Requests.PhotoAsync(first)).Id, (await Requests.PhotoAsync(direct)).Id);
    }

    [Fact]
    public async Task TheUploadUrlWritesItsOneBlobAndDoesNothingElse()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var grant = await StartAsync(client, png.Length, "image/png");
        using var http = new HttpClient();

        // What curl would send: one Put Blob.
        using (var put = new HttpRequestMessage(HttpMethod.Put, grant.UploadUrl) { Content = new ByteArrayContent(png) })
        {
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var written = await http.SendAsync(put, Cancellation);
            Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        }

        // Not read back, not deleted, not listed.
        using (var read = await http.GetAsync(grant.UploadUrl, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        }

        using (var delete = await http.DeleteAsync(grant.UploadUrl, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        }

        var container = new UriBuilder(grant.UploadUrl) { Path = grant.UploadUrl.AbsolutePath[..grant.UploadUrl.AbsolutePath.IndexOf("/uploads/", StringComparison.Ordinal)] };
        container.Query = grant.UploadUrl.Query.TrimStart('?') + "&restype=container&comp=list";
        using (var list = await http.GetAsync(container.Uri, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        }

        // The signature names its blob: moved to another name (in or out of the staging container) it is refused.
        foreach (var elsewhere in new[] { "uploads/someone-else", "../scrapbook/originals/planted" })
        {
            var moved = new UriBuilder(grant.UploadUrl);
            moved.Path = moved.Path[..(moved.Path.IndexOf("/uploads/", StringComparison.Ordinal) + 1)] + elsewhere;
            var refused = await Assert.ThrowsAsync<RequestFailedException>(() => PutAsync(moved.Uri, png));
            Assert.Equal(403, refused.Status);
        }

        using var complete = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, complete.StatusCode);
        Assert.Equal(png, await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task WhatIsDeclaredIsCheckedAtTheStart()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Imaging:MaxBytes"] = $"{SmallLimit}" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        await HttpAssert.ProblemAsync(await PostStartAsync(client, new { size = SmallLimit + 1, contentType = "image/jpeg" }), HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        await HttpAssert.ProblemAsync(await PostStartAsync(client, new { size = 1000, contentType = "text/html" }), HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);
        await HttpAssert.ProblemAsync(await PostStartAsync(client, new { size = 0, contentType = "image/png" }), HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        await HttpAssert.ProblemAsync(await PostStartAsync(client, new { size = 10, contentType = "image/png", caption = new string('x', 501) }), HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        using var notJson = await client.PostAsync("/api/uploads/direct", new StringContent("{ size: ", Encoding.UTF8, "application/json"), Cancellation);
        await HttpAssert.ProblemAsync(notJson, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        using var form = await client.PostAsync("/api/uploads/direct", new StringContent("size=10"), Cancellation);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Empty(await StagedAsync(api, client));

        using var anonymous = api.CreateClient();
        using var unauthenticated = await anonymous.PostAsJsonAsync("/api/uploads/direct", new { size = 10, contentType = "image/png" }, Cancellation);
        await HttpAssert.ProblemAsync(unauthenticated, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task MoreBytesThanTheLimitAreRefusedFromTheirSizeAloneAndDiscarded()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Imaging:MaxBytes"] = $"{SmallLimit}" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var grant = await StartAsync(client, 1000, "image/png");

        await WriteInBlocksAsync(grant.UploadUrl, new byte[SmallLimit * 4], blockSize: SmallLimit);
        using var response = await client.PostAsync(grant.CompleteUrl, null, Cancellation);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Contains($"{SmallLimit * 4}", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(await StagedAsync(api, client, grant));
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task ASizeOtherThanTheDeclaredOneIsRefusedAndDiscarded()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var grant = await StartAsync(client, png.Length - 1, "image/png");

        await PutAsync(grant.UploadUrl, png);
        using var response = await client.PostAsync(grant.CompleteUrl, null, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        Assert.Empty(await StagedAsync(api, client, grant));
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task TheFormatIsDecidedByContentNotByTheDeclaredType()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        var html = Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>");
        var lie = await StartAsync(client, html.Length, "image/jpeg");
        await PutAsync(lie.UploadUrl, html);
        using var refused = await client.PostAsync(lie.CompleteUrl, null, Cancellation);
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);

        var jpeg = await TestImages.JpegAsync(64, 48, Cancellation);
        var mislabelled = await StartAsync(client, jpeg.Length, "image/png");
        await PutAsync(mislabelled.UploadUrl, jpeg);
        using var accepted = await client.PostAsync(mislabelled.CompleteUrl, null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var photo = await Requests.PhotoAsync(accepted);
        Assert.Equal((64, 48), (photo.Width, photo.Height));
        Assert.Equal("image/jpeg", (await api.Blobs.GetPropertiesAsync(BlobKeys.Original(Requests.Sha256(jpeg)), Cancellation))!.ContentType);
        Assert.Empty(await StagedAsync(api, client, lie, mislabelled));
    }

    [Fact]
    public async Task CompletingBeforeTheBytesArriveIs409AndTheUploadStaysOpen()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var grant = await StartAsync(client, png.Length, "image/png");

        using var early = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        await HttpAssert.ProblemAsync(early, HttpStatusCode.Conflict, ProblemTypes.UploadIncomplete);

        // Blocks staged but no block list committed: still nothing has arrived.
        var blob = new BlockBlobClient(grant.UploadUrl);
        await blob.StageBlockAsync(Convert.ToBase64String("block-00"u8), new MemoryStream(png), cancellationToken: Cancellation);
        using var staged = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        await HttpAssert.ProblemAsync(staged, HttpStatusCode.Conflict, ProblemTypes.UploadIncomplete);

        await blob.CommitBlockListAsync([Convert.ToBase64String("block-00"u8)], cancellationToken: Cancellation);
        using var done = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, done.StatusCode);
    }

    [Fact]
    public async Task OnlyTheOwnerCanCompleteOrCancelAndMadeUpIdsAreNotFound()
    {
        await using var api = servers.CreateUploadApi();
        using var owner = await api.CreateOwnerClientAsync(Cancellation);
        using var stranger = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var grant = await StartAsync(owner, png.Length, "image/png");
        await PutAsync(grant.UploadUrl, png);

        foreach (var path in new[] { grant.CompleteUrl, "/api/uploads/not-an-id/complete", $"/api/uploads/{new string('a', 32)}-63/complete", $"/api/uploads/{new string('a', 32)}-00/complete" })
        {
            using var response = await stranger.PostAsync(path, null, Cancellation);
            await HttpAssert.ProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using var cancel = await stranger.DeleteAsync($"/api/uploads/{grant.Id}", Cancellation);
        await HttpAssert.ProblemAsync(cancel, HttpStatusCode.NotFound, ProblemTypes.NotFound);

        using var mine = await owner.PostAsync(grant.CompleteUrl, null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, mine.StatusCode);
    }

    [Fact]
    public async Task AnOwnerHasAtMostTheConfiguredNumberOpenEvenWhenAskingConcurrently()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["DirectUploads:MaxOpenPerOwner"] = "2" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var other = await api.CreateOwnerClientAsync(Cancellation);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostStartAsync(client, new { size = 1000, contentType = "image/png" })));
        try
        {
            Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            var refused = responses.First(r => r.StatusCode != HttpStatusCode.OK);
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, ProblemTypes.TooManyOpenUploads);
            Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 15 * 60);

            // Another owner has slots of their own; cancelling frees one of mine.
            using var theirs = await PostStartAsync(other, new { size = 1000, contentType = "image/png" });
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
            var open = await responses.First(r => r.StatusCode == HttpStatusCode.OK).Content.ReadFromJsonAsync<DirectUploadGrant>(Cancellation);
            using var cancel = await client.DeleteAsync($"/api/uploads/{open!.Id}", Cancellation);
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
            using var next = await PostStartAsync(client, new { size = 1000, contentType = "image/png" });
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
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
    public async Task AnUploadNeverCompletedIsSweptOnceItsWindowAndGraceHavePassed()
    {
        var clock = new ShiftedTimeProvider();
        await using var api = servers.CreateUploadApi(
            settings: new Dictionary<string, string?> { ["DirectUploads:UploadWindow"] = "00:05:00", ["DirectUploads:CompletionGrace"] = "00:01:00" },
            services: services => services.AddSingleton<TimeProvider>(clock));
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var staging = api.Services.GetRequiredService<StagingArea>();
        var png = TestImages.Png();
        var abandoned = await StartAsync(client, png.Length, "image/png");
        await PutAsync(abandoned.UploadUrl, png);

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(50));
        await staging.SweepAsync(Cancellation);
        Assert.Equal(2, (await StagedAsync(api, client, abandoned)).Count);

        clock.Advance(TimeSpan.FromSeconds(20));
        using var late = await client.PostAsync(abandoned.CompleteUrl, null, Cancellation);
        await HttpAssert.ProblemAsync(late, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.True(await staging.SweepAsync(Cancellation) >= 2);
        Assert.Empty(await StagedAsync(api, client, abandoned));
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task BytesWrittenAgainAfterARefusalAreSweptToo()
    {
        var clock = new ShiftedTimeProvider();
        await using var api = servers.CreateUploadApi(services: services => services.AddSingleton<TimeProvider>(clock));
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var grant = await StartAsync(client, 10, "image/png");
        await PutAsync(grant.UploadUrl, png);
        using var refused = await client.PostAsync(grant.CompleteUrl, null, Cancellation);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        // The URL is still valid and the blob was deleted, so it can be created once more; no ticket refers to it now.
        await PutAsync(grant.UploadUrl, png);
        Assert.Single(await StagedAsync(api, client, grant));
        clock.Advance(TimeSpan.FromMinutes(13));

        Assert.True(await api.Services.GetRequiredService<StagingArea>().SweepAsync(Cancellation) >= 1);
        Assert.Empty(await StagedAsync(api, client, grant));
    }

    [Fact]
    public async Task WithDirectUploadsOffTheStartIsNotFound()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["DirectUploads:Enabled"] = "false" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await PostStartAsync(client, new { size = 1000, contentType = "image/png" });

        await HttpAssert.ProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task ClosedUploadsRefuseTheStart()
    {
        var gallery = await servers.StartGalleryAsync(Cancellation);
        await servers.SetUploadsOpenAsync(gallery, open: false, Cancellation);
        await using var api = servers.CreateUploadApi(gallery.BaseAddress);
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await PostStartAsync(client, new { size = 1000, contentType = "image/png" });

        await HttpAssert.ProblemAsync(response, HttpStatusCode.Forbidden, ProblemTypes.UploadsClosed);
    }

    private static async Task<HttpResponseMessage> PostStartAsync(HttpClient client, object body) =>
        await client.PostAsJsonAsync("/api/uploads/direct", body, Cancellation);

    private static async Task<DirectUploadGrant> StartAsync(HttpClient client, long size, string contentType, string? caption = null, string? fileName = null)
    {
        using var response = await PostStartAsync(client, new { size, contentType, caption, fileName });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Cancellation));
        return (await response.Content.ReadFromJsonAsync<DirectUploadGrant>(Cancellation))!;
    }

    /// <summary>One Put Blob through the SDK, which refuses to overwrite (If-None-Match: *) as a careful client would not: this one insists.</summary>
    private static async Task<HttpStatusCode> PutAsync(Uri uploadUrl, byte[] bytes)
    {
        var response = await new BlockBlobClient(uploadUrl).UploadAsync(new MemoryStream(bytes), new BlobUploadOptions(), Cancellation);
        return (HttpStatusCode)response.GetRawResponse().Status;
    }

    private static async Task WriteInBlocksAsync(Uri uploadUrl, byte[] bytes, int blockSize)
    {
        var transfer = new StorageTransferOptions { InitialTransferSize = blockSize, MaximumTransferSize = blockSize, MaximumConcurrency = 2 };
        await new BlockBlobClient(uploadUrl).UploadAsync(new MemoryStream(bytes), new BlobUploadOptions { TransferOptions = transfer }, Cancellation);
    }

    /// <summary>The staging container's tickets of <paramref name="client"/>'s owner, and its blobs of <paramref name="grants"/>.</summary>
    private static async Task<List<string>> StagedAsync(UploadApiHost api, HttpClient client, params DirectUploadGrant[] grants)
    {
        var staging = api.Services.GetRequiredKeyedService<IBlobStore>(UploadApiSettings.StagingContainer);
        var owner = OwnerToken.ComputeHash(client.DefaultRequestHeaders.Authorization!.Parameter);
        var keys = new List<string>();
        await foreach (var item in staging.ListAsync($"tickets/{owner}/", Cancellation))
        {
            keys.Add(item.Key);
        }

        foreach (var grant in grants)
        {
            if (await staging.GetPropertiesAsync($"uploads/{grant.Id}", Cancellation) is not null)
            {
                keys.Add($"uploads/{grant.Id}");
            }
        }

        return keys;
    }
}
