using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>How labels and scores become a verdict, and what stands in for a classifier that gave none.</summary>
internal static class ClassifierVerdicts
{
    /// <summary>What <see cref="PhotoClassification.Classifier"/> says when no classifier decided.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>
    /// Reject when a label reaches its <see cref="ClassifierOptions.Reject"/> threshold, else hold when one reaches its
    /// <see cref="ClassifierOptions.Hold"/> threshold, else allow.
    /// </summary>
    public static ClassifierVerdict FromLabels(IReadOnlyList<ClassifierLabel> labels, ClassifierOptions options) =>
        labels.Any(l => Reaches(l, options.Reject)) ? ClassifierVerdict.Reject
        : labels.Any(l => Reaches(l, options.Hold)) ? ClassifierVerdict.Hold
        : ClassifierVerdict.Allow;

    /// <summary>The failure verdict (<see cref="ClassifierOptions.FailureMode"/>), for a classifier that could not decide.</summary>
    public static PhotoClassification Failed(ClassifierOptions options, string note, TimeSpan elapsed) =>
        new(options.FailureVerdict, [], Unavailable, note, Math.Round(elapsed.TotalMilliseconds, 1));

    private static bool Reaches(ClassifierLabel label, Dictionary<string, double> thresholds) =>
        thresholds.TryGetValue(label.Label, out var threshold) && label.Score >= threshold;
}
