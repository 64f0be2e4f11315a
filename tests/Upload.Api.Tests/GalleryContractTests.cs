using Scrapbook.Contracts;
using Scrapbook.Upload.Api.Gallery;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>Upload.Api's reading of Gallery.Api's internal API, against the real Gallery.Api.</summary>
[Collection(UploadApiCollection.Name)]
public sealed class GalleryContractTests(UploadApiFixture servers)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisteringWhileUploadsAreClosedIsRefusedEvenAfterTheSettingsSaidOpen()
    {
        // The race the pre-check cannot close: an admin closes uploads while a body is streaming.
        var gallery = await servers.StartGalleryAsync(Cancellation);
        using var http = new HttpClient { BaseAddress = gallery.BaseAddress };
        var client = new GalleryClient(http);
        Assert.True((await client.GetSettingsAsync(Cancellation)).UploadsOpen);
        await servers.SetUploadsOpenAsync(gallery, open: false, Cancellation);

        var request = new RegisterPhotoRequest(new string('a', 64), new string('b', 64), "png", 1234, 10, 10, null, null);

        await Assert.ThrowsAsync<UploadsClosedException>(() => client.RegisterAsync(request, Cancellation));
    }

    [Fact]
    public async Task RegisteringTheSameBytesTwiceReportsCreatedThenExisting()
    {
        using var http = new HttpClient { BaseAddress = servers.Gallery.BaseAddress };
        var client = new GalleryClient(http);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray()));
        var request = new RegisterPhotoRequest(new string('c', 64), sha, "jpeg", 1234, 40, 30, "caption", "author");

        var (first, photo) = await client.RegisterAsync(request, Cancellation);
        var (second, again) = await client.RegisterAsync(request, Cancellation);

        Assert.Equal(RegistrationOutcome.Created, first);
        Assert.Equal(RegistrationOutcome.Existing, second);
        Assert.Equal(photo.Id, again.Id);
        Assert.Equal((40, 30, "caption"), (photo.Width, photo.Height, photo.Caption));
    }
}
