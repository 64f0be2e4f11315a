using System.ComponentModel.DataAnnotations;
using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>What a classifier that fails or cannot be reached decides (docs/classifier.md).</summary>
internal enum ClassifierFailureMode
{
    /// <summary>Fail closed: the photo waits for a moderator.</summary>
    Hold,

    /// <summary>Fail open: the photo is published.</summary>
    Allow,
}

/// <summary>
/// The classifier the automatic moderation step asks (moderation <c>auto</c>), bound from "Classifier" and validated at
/// start. Without an <see cref="Endpoint"/>, a job that asks for a classification gets the <see cref="FailureMode"/>
/// verdict with a note saying so.
/// </summary>
internal sealed class ClassifierOptions : IValidatableObject
{
    public const string SectionName = "Classifier";

    private const string SecretPrefix = "whsec_";

    /// <summary>The classifier's base address; requests go to <c>POST {Endpoint}/classify</c>. Locally <c>http://classifier</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The Standard Webhooks secret (<c>whsec_</c> and the key in base64) the requests are signed with; unsigned when unset.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// How long one classification may take, the request and the answer together, waiting behind others included: the
    /// bundled service takes one photo at a time, at 1–3 s each, and four may be waiting (docs/classifier.md).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The verdict when the classifier fails, times out, answers nonsense or is not configured.</summary>
    public ClassifierFailureMode FailureMode { get; set; } = ClassifierFailureMode.Hold;

    /// <summary>Longest side of the JPEG sent to the classifier, made from the <c>small</c> rendition.</summary>
    [Range(32, 2048)]
    public int MaxSide { get; set; } = 512;

    /// <summary>Labels whose score at or above the threshold rejects the photo. Configuration adds labels or changes these.</summary>
    public Dictionary<string, double> Reject { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Porn"] = 0.9,
        ["Hentai"] = 0.9,
    };

    /// <summary>Labels whose score at or above the threshold holds the photo for a moderator, when nothing rejects it.</summary>
    public Dictionary<string, double> Hold { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Porn"] = 0.5,
        ["Hentai"] = 0.5,
        ["Sexy"] = 0.7,
    };

    /// <summary>The key of <see cref="Secret"/>; null when requests go unsigned.</summary>
    public byte[]? SecretKey => Secret is { Length: > 0 } secret && TryParseSecret(secret, out var key) ? key : null;

    /// <summary>The verdict of a classifier that did not give one, as <see cref="FailureMode"/> says.</summary>
    public ClassifierVerdict FailureVerdict => FailureMode == ClassifierFailureMode.Allow ? ClassifierVerdict.Allow : ClassifierVerdict.Hold;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is { IsAbsoluteUri: false } || Endpoint is { Scheme: not ("http" or "https") })
        {
            yield return new ValidationResult("Classifier:Endpoint must be an absolute http or https address.", [nameof(Endpoint)]);
        }

        if (Secret is { Length: > 0 } secret && !TryParseSecret(secret, out _))
        {
            yield return new ValidationResult(
                "Classifier:Secret must be a Standard Webhooks secret: whsec_ followed by at least 16 bytes in base64.", [nameof(Secret)]);
        }

        foreach (var (name, thresholds) in new[] { (nameof(Reject), Reject), (nameof(Hold), Hold) })
        {
            foreach (var (label, score) in thresholds)
            {
                if (!(score > 0 && score <= 1))
                {
                    yield return new ValidationResult(
                        $"Classifier:{name}:{label} is {score}; a threshold is a score above 0 and at most 1.", [name]);
                }
            }
        }
    }

    private static bool TryParseSecret(string secret, out byte[] key)
    {
        var base64 = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        var buffer = new byte[base64.Length];
        if (Convert.TryFromBase64String(base64, buffer, out var written) && written >= 16)
        {
            key = buffer[..written];
            return true;
        }

        key = [];
        return false;
    }
}
