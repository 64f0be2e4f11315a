using Scrapbook.Imaging;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker.Tests;

public sealed class FailureReasonsTests
{
    [Fact]
    public void ALimitIsStatedInTheOwnersUnitsWithoutConfigurationKeys()
    {
        var pixels = new ImageRejectedException(
            ImageRejectionReason.TooManyPixels, "… (Imaging:MaxMegapixels) …", limit: 100_000_000, actual: 268_435_456);
        var bytes = new ImageRejectedException(
            ImageRejectionReason.TooLarge, "… (Imaging:MaxBytes) …", limit: 50L * 1024 * 1024, actual: 73_400_320);

        Assert.Equal("The image has too many pixels (268.4 megapixels; the limit is 100).", FailureReasons.Rejected(pixels));
        Assert.Equal("The file is too large (70 MB; the limit is 50 MB).", FailureReasons.Rejected(bytes));
    }

    [Fact]
    public void ADecoderMessageNeverReachesTheOwner()
    {
        var corrupt = new ImageRejectedException(
            ImageRejectionReason.Corrupt, "The Png image cannot be decoded: libvips copy_memory failed: vipspng: libpng read error");

        var reason = FailureReasons.Rejected(corrupt);

        Assert.StartsWith("The image cannot be decoded", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("libpng", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GivingUpNamesALostOriginalAndOtherwiseOnlyTheNumberOfTries()
    {
        Assert.Contains("was lost", FailureReasons.Exhausted(new OriginalMissingException("The original 'originals/ab…' is not in the blob store."), 5), StringComparison.Ordinal);
        Assert.Equal(
            "Scrapbook could not make the thumbnails after 5 tries. Please upload it again later.",
            FailureReasons.Exhausted(new HttpRequestException("Connection refused (127.0.0.1:10000)"), 5));
        Assert.Equal(FailureReasons.Exhausted(null, 5), FailureReasons.Exhausted(new TimeoutException(), 5));
    }
}
