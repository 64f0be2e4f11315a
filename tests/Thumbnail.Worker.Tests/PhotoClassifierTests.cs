using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using Scrapbook.Thumbnail.Worker.Classification;
using StandardWebhooks;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>The worker's HTTP classifier against loopback stand-ins that fail, stall or answer their own verdict.</summary>
public sealed class PhotoClassifierTests
{
    private static readonly byte[] s_jpeg = [0xFF, 0xD8, 0xFF, 0xD9];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, ClassifierVerdict.Hold)]
    [InlineData("hold", ClassifierVerdict.Hold)]
    [InlineData("allow", ClassifierVerdict.Allow)]
    public async Task AClassifierThatDoesNotAnswerInTimeGivesTheFailureVerdict(string? failureMode, ClassifierVerdict expected)
    {
        await using var stalled = await LoopbackReceiver.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var host = await ClassifierHost.StartAsync(stalled.BaseAddress, settings: new()
        {
            ["Classifier:Timeout"] = "00:00:00.500",
            ["Classifier:FailureMode"] = failureMode,
        });

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((expected, "unavailable"), (classification.Verdict, classification.Classifier));
        Assert.Equal("The classifier did not answer within 0.5 s.", classification.Note);
        Assert.Empty(classification.Labels);
        Assert.Single(stalled.Requests);
    }

    [Theory]
    [InlineData("hold", ClassifierVerdict.Hold)]
    [InlineData("allow", ClassifierVerdict.Allow)]
    public async Task AClassifierAnswering500GivesTheFailureVerdictWithTheStatusInTheNote(string failureMode, ClassifierVerdict expected)
    {
        await using var failing = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status500InternalServerError);
        await using var host = await ClassifierHost.StartAsync(failing.BaseAddress, settings: new() { ["Classifier:FailureMode"] = failureMode });

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((expected, "unavailable"), (classification.Verdict, classification.Classifier));
        Assert.Equal("The classifier answered 500 Internal Server Error.", classification.Note);
        Assert.Single(failing.Requests); // one attempt: the failure verdict, not a retry storm, while it is down
    }

    [Fact]
    public async Task AClassifierThatCannotBeReachedGivesTheFailureVerdict()
    {
        await using var host = await ClassifierHost.StartAsync(WorkerHarness.UnreachableGallery);

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((ClassifierVerdict.Hold, "unavailable"), (classification.Verdict, classification.Classifier));
        Assert.StartsWith("The classifier could not be reached", classification.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"labels":[],"model":"m"}""")]
    [InlineData("""{"labels":[{"label":"Porn","score":7}],"model":"m"}""")]
    [InlineData("""{"labels":[{"label":"Neutral","score":0.9}],"verdict":"maybe"}""")]
    [InlineData("<html>a proxy's error page</html>")]
    public async Task AnAnswerThatIsNotAClassificationGivesTheFailureVerdict(string answer)
    {
        await using var odd = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status200OK, answer);
        await using var host = await ClassifierHost.StartAsync(odd.BaseAddress);

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((ClassifierVerdict.Hold, "unavailable"), (classification.Verdict, classification.Classifier));
        Assert.NotNull(classification.Note);
    }

    [Fact]
    public async Task AClassifiersOwnVerdictWinsOverTheThresholds()
    {
        await using var strict = await LoopbackReceiver.AnsweringAsync(
            StatusCodes.Status200OK, """{"labels":[{"label":"Neutral","score":0.2},{"label":"Porn","score":0.8}],"model":"house-rules","verdict":"reject"}""");
        await using var host = await ClassifierHost.StartAsync(strict.BaseAddress);

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((ClassifierVerdict.Reject, "house-rules"), (classification.Verdict, classification.Classifier));
        Assert.Equal(["Porn", "Neutral"], classification.Labels.Select(l => l.Label));
        Assert.Equal("The classifier gave this verdict itself.", classification.Note);
    }

    [Fact]
    public async Task TheRequestCarriesTheJpegSignedWithTheSecretUnderTheEndpointsPath()
    {
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var receiver = await LoopbackReceiver.AnsweringAsync(StatusCodes.Status200OK, """{"labels":[{"label":"Neutral","score":0.99}],"model":"m"}""");
        await using var host = await ClassifierHost.StartAsync(new Uri(receiver.BaseAddress, "moderation/v1"), secret);

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal(ClassifierVerdict.Allow, classification.Verdict);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal(("POST", "/moderation/v1/classify", "image/jpeg"), (request.Method, request.Path, request.Headers["content-type"]));
        Assert.Equal(s_jpeg, request.Body);
        Assert.StartsWith("msg_", request.Headers["webhook-id"], StringComparison.Ordinal);
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(signedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        Assert.Equal(RequestSignature.Sign(key, request.Headers["webhook-id"], signedAt, request.Body), request.Headers["webhook-signature"]);
    }

    [Fact]
    public void TheSignatureIsTheOneTheStandardWebhooksPackageMakesForTheSameBytes()
    {
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        const string body = """{"a text body":"since the package signs text"}""";

        var ours = RequestSignature.Sign(Convert.FromBase64String(secret["whsec_".Length..]), "msg_1", timestamp, Encoding.UTF8.GetBytes(body));

        Assert.Equal(new StandardWebhook(secret).Sign("msg_1", timestamp, body), ours);
    }

    [Fact]
    public async Task WithoutAnEndpointAJobThatAsksGetsTheFailureVerdictWithANote()
    {
        await using var host = await ClassifierHost.StartAsync(endpoint: null, settings: new() { ["Classifier:FailureMode"] = "allow" });

        var classification = await host.Classifier.ClassifyAsync(s_jpeg, Cancellation);

        Assert.Equal((ClassifierVerdict.Allow, "unavailable"), (classification.Verdict, classification.Classifier));
        Assert.Equal(UnconfiguredPhotoClassifier.Note, classification.Note);
    }

    [Theory]
    [InlineData("Classifier:Secret", "whsec_not base64!")]
    [InlineData("Classifier:Secret", "whsec_c2hvcnQ=")]
    [InlineData("Classifier:Endpoint", "classifier.local")]
    [InlineData("Classifier:Hold:Sexy", "1.5")]
    [InlineData("Classifier:Timeout", "00:00:00")]
    public async Task AMisconfiguredClassifierStopsTheWorkerAtStart(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ClassifierHost.StartAsync(new Uri("http://classifier"), settings: new() { [key] = value }));

        Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
    }
}
