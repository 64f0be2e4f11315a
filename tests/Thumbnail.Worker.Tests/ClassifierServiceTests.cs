using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using Scrapbook.Thumbnail.Worker.Classification;

namespace Scrapbook.Thumbnail.Worker.Tests;

[CollectionDefinition(Name)]
public sealed class ClassifierCollection : ICollectionFixture<ClassifierServer>
{
    public const string Name = "classifier";
}

/// <summary>The real classifier service (eng/classifier: nsfwjs on Node) on the labelled test images, and at its door.</summary>
[Collection(ClassifierCollection.Name)]
public sealed class ClassifierServiceTests(ClassifierServer classifier, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _files = new("scrapbook-classifier-test");
    private readonly HttpClient _http = new() { BaseAddress = classifier.BaseAddress };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheModelSeesTheLandscapeAsNeutralTheBlankCanvasAsADrawingAndTheCartoonInBetween()
    {
        var scores = new Dictionary<LabelledImage, IReadOnlyList<ClassifierLabel>>();
        foreach (var image in Enum.GetValues<LabelledImage>())
        {
            scores[image] = await ClassifyAsync(await LabelledImages.JpegAsync(_files.Path, image, Cancellation));
            output.WriteLine($"{image}: {string.Join(", ", scores[image].Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Label} {l.Score:0.000}")))}");
        }

        Assert.Equal(["Drawing", "Hentai", "Neutral", "Porn", "Sexy"], scores[LabelledImage.Landscape].Select(l => l.Label).Order());
        Assert.Equal("Neutral", scores[LabelledImage.Landscape][0].Label);
        Assert.True(scores[LabelledImage.Landscape][0].Score >= 0.9);
        Assert.Equal("Drawing", scores[LabelledImage.BlankCanvas][0].Label);
        Assert.True(scores[LabelledImage.BlankCanvas][0].Score >= 0.6);
        double Drawing(LabelledImage image) => scores[image].Single(l => l.Label == "Drawing").Score;
        Assert.InRange(Drawing(LabelledImage.Cartoon), Drawing(LabelledImage.Landscape) + 0.1, Drawing(LabelledImage.BlankCanvas) - 0.1);
    }

    [Fact]
    public async Task TheDefaultThresholdsAllowAllThreeLabelledImages()
    {
        await using var host = await ClassifierHost.StartAsync(classifier.BaseAddress, classifier.Secret);

        foreach (var image in Enum.GetValues<LabelledImage>())
        {
            var classification = await host.Classifier.ClassifyAsync(await LabelledImages.JpegAsync(_files.Path, image, Cancellation), Cancellation);

            Assert.Equal((image, ClassifierVerdict.Allow, "nsfwjs-mobilenetv2", null), (image, classification.Verdict, classification.Classifier, classification.Note));
            Assert.True(classification.ElapsedMs > 0);
        }
    }

    [Fact]
    public async Task TheWorkerFindsTheClassifierByServiceDiscoveryAsTheAppHostWiresIt()
    {
        await using var host = await ClassifierHost.StartAsync(new Uri("http://classifier"), classifier.Secret, new()
        {
            ["services:classifier:http:0"] = classifier.BaseAddress.ToString(),
        });

        var classification = await host.Classifier.ClassifyAsync(await LabelledImages.JpegAsync(_files.Path, LabelledImage.Landscape, Cancellation), Cancellation);

        Assert.Equal((ClassifierVerdict.Allow, "nsfwjs-mobilenetv2"), (classification.Verdict, classification.Classifier));
    }

    [Theory]
    [InlineData(LabelledImage.Landscape, ClassifierVerdict.Allow)]
    [InlineData(LabelledImage.Cartoon, ClassifierVerdict.Hold)]
    [InlineData(LabelledImage.BlankCanvas, ClassifierVerdict.Reject)]
    public async Task APolicyOnTheDrawingLabelAllowsHoldsOrRejectsByTheRealScores(LabelledImage image, ClassifierVerdict expected)
    {
        // The model's real scores (docs/classifier.md): Drawing about 0.002, 0.35 and 0.77.
        await using var host = await ClassifierHost.StartAsync(classifier.BaseAddress, classifier.Secret, new()
        {
            ["Classifier:Hold:Drawing"] = "0.25",
            ["Classifier:Reject:Drawing"] = "0.6",
        });

        var classification = await host.Classifier.ClassifyAsync(await LabelledImages.JpegAsync(_files.Path, image, Cancellation), Cancellation);

        Assert.Equal(expected, classification.Verdict);
        Assert.Equal("nsfwjs-mobilenetv2", classification.Classifier);
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("another secret")]
    [InlineData("another body")]
    [InlineData("six minutes old")]
    [InlineData("six minutes ahead")]
    public async Task ARequestNotSignedWithTheSharedSecretJustNowIsRefusedWith401(string how)
    {
        var jpeg = await LabelledImages.JpegAsync(_files.Path, LabelledImage.Landscape, Cancellation);
        var key = how == "another secret" ? new byte[32] : classifier.Key;
        var signedAt = DateTimeOffset.UtcNow + how switch
        {
            "six minutes old" => TimeSpan.FromMinutes(-6),
            "six minutes ahead" => TimeSpan.FromMinutes(6),
            _ => TimeSpan.Zero,
        };
        using var request = Request(jpeg);
        if (how != "unsigned")
        {
            RequestSignature.Apply(request, key, "msg_test", signedAt, how == "another body" ? jpeg.AsSpan(1) : jpeg);
        }

        using var response = await _http.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("text", "image/jpeg", 400)]
    [InlineData("empty", "image/jpeg", 400)]
    [InlineData("truncated", "image/jpeg", 400)]
    [InlineData("jpeg", "image/png", 415)]
    [InlineData("over 4 MiB", "image/jpeg", 413)]
    [InlineData("6 megapixels", "image/jpeg", 413)]
    public async Task ABadBodyGetsAProblemAndTheServiceKeepsAnswering(string body, string contentType, int status)
    {
        var jpeg = await LabelledImages.JpegAsync(_files.Path, LabelledImage.Cartoon, Cancellation);
        var bytes = body switch
        {
            "text" => "this is not a JPEG"u8.ToArray(),
            "empty" => [],
            "truncated" => jpeg[..(jpeg.Length / 2)],
            "over 4 MiB" => new byte[(4 * 1024 * 1024) + 1],
            "6 megapixels" => await LargeJpegAsync(),
            _ => jpeg,
        };
        using var request = Request(bytes, contentType);
        RequestSignature.Apply(request, classifier.Key, "msg_bad_body", DateTimeOffset.UtcNow, bytes);

        using var response = await _http.SendAsync(request, Cancellation);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var health = await _http.GetAsync("health", Cancellation);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private async Task<byte[]> LargeJpegAsync()
    {
        var path = Path.Combine(_files.Path, "large.jpg");
        await Tool.RunAsync("vips", ["black", path, "3000", "2000", "--bands", "3"], cancellationToken: Cancellation);
        return await File.ReadAllBytesAsync(path, Cancellation);
    }

    private async Task<IReadOnlyList<ClassifierLabel>> ClassifyAsync(byte[] jpeg)
    {
        using var request = Request(jpeg);
        RequestSignature.Apply(request, classifier.Key, $"msg_{Guid.NewGuid():N}", DateTimeOffset.UtcNow, jpeg);
        using var response = await _http.SendAsync(request, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation));
        Assert.Equal("nsfwjs-mobilenetv2", answer.RootElement.GetProperty("model").GetString());
        return [.. answer.RootElement.GetProperty("labels").EnumerateArray()
            .Select(l => new ClassifierLabel(l.GetProperty("label").GetString()!, l.GetProperty("score").GetDouble()))];
    }

    private static HttpRequestMessage Request(byte[] body, string contentType = "image/jpeg")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new HttpRequestMessage(HttpMethod.Post, "classify") { Content = content };
    }

    public void Dispose()
    {
        _http.Dispose();
        _files.Dispose();
    }
}
