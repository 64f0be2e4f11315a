using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>
/// Asks a classifier over HTTP (the protocol in docs/classifier.md): <c>POST {Endpoint}/classify</c> with the JPEG,
/// signed when a secret is configured, one attempt bounded by <see cref="ClassifierOptions.Timeout"/>. The classifier's
/// own verdict wins; otherwise the thresholds decide. Anything else (a timeout, a refused connection, an error status,
/// an answer that is not a classification) gives the failure verdict.
/// </summary>
internal sealed partial class HttpPhotoClassifier(
    HttpClient http,
    IOptions<ClassifierOptions> options,
    TimeProvider timeProvider,
    ILogger<HttpPhotoClassifier> logger) : IPhotoClassifier
{
    /// <summary>A classification is a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    private static readonly MediaTypeHeaderValue s_jpeg = new("image/jpeg");

    public async Task<PhotoClassification> ClassifyAsync(ReadOnlyMemory<byte> jpeg, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "classify") { Content = new ReadOnlyMemoryContent(jpeg) };
            request.Content.Headers.ContentType = s_jpeg;
            if (settings.SecretKey is { } key)
            {
                RequestSignature.Apply(request, key, $"msg_{Guid.CreateVersion7():N}", timeProvider.GetUtcNow(), jpeg.Span);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(settings, $"The classifier answered {(int)response.StatusCode} {response.ReasonPhrase}.", started);
            }

            var answer = await response.Content.ReadFromJsonAsync(ClassifierJsonContext.Default.ClassifierAnswer, timeout.Token);
            if (answer is not { Labels: { Count: > 0 } labels } || labels.Any(l => string.IsNullOrEmpty(l.Label) || !(l.Score is >= 0 and <= 1)))
            {
                return Failed(settings, "The classifier's answer had no labels with scores between 0 and 1.", started);
            }

            var ordered = labels.OrderByDescending(l => l.Score).ToList();
            var verdict = answer.Verdict ?? ClassifierVerdicts.FromLabels(ordered, settings);
            return new PhotoClassification(
                verdict,
                ordered,
                string.IsNullOrWhiteSpace(answer.Model) ? "classifier" : answer.Model,
                answer.Verdict is null ? null : "The classifier gave this verdict itself.",
                Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(settings, $"The classifier did not answer within {settings.Timeout.TotalSeconds:0.###} s.", started);
        }
        catch (HttpRequestException ex)
        {
            return Failed(settings, $"The classifier could not be reached: {ex.Message}", started);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return Failed(settings, "The classifier's answer was not a classification (JSON with labels).", started);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever else a handler in the pipeline throws: the job goes on with the failure verdict.
            return Failed(settings, $"Asking the classifier failed: {ex.Message}", started);
        }
    }

    private PhotoClassification Failed(ClassifierOptions settings, string note, long started)
    {
        LogUnavailable(logger, note, settings.FailureVerdict);
        return ClassifierVerdicts.Failed(settings, note, Stopwatch.GetElapsedTime(started));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Classifier unavailable, verdict {Verdict}: {Note}")]
    private static partial void LogUnavailable(ILogger logger, string note, ClassifierVerdict verdict);
}

/// <summary>Stands in when no <see cref="ClassifierOptions.Endpoint"/> is configured: the failure verdict, with a note.</summary>
internal sealed partial class UnconfiguredPhotoClassifier(IOptions<ClassifierOptions> options, ILogger<UnconfiguredPhotoClassifier> logger)
    : IPhotoClassifier
{
    public const string Note = "No classifier is configured (Classifier:Endpoint), so moderation auto could not classify the photo.";

    public Task<PhotoClassification> ClassifyAsync(ReadOnlyMemory<byte> jpeg, CancellationToken cancellationToken = default)
    {
        LogNotConfigured(logger, options.Value.FailureVerdict);
        return Task.FromResult(ClassifierVerdicts.Failed(options.Value, Note, TimeSpan.Zero));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A job asked for a classification and no classifier is configured (Classifier:Endpoint); verdict {Verdict}")]
    private static partial void LogNotConfigured(ILogger logger, ClassifierVerdict verdict);
}
