using System.Text.Json;
using System.Text.Json.Serialization;
using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Classification;

/// <summary>
/// A classifier's answer to <c>POST /classify</c>: labels with scores, the model's name, and optionally a verdict of
/// its own, which wins over the configured thresholds.
/// </summary>
internal sealed record ClassifierAnswer(IReadOnlyList<ClassifierLabel>? Labels, string? Model, ClassifierVerdict? Verdict);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClassifierAnswer))]
internal sealed partial class ClassifierJsonContext : JsonSerializerContext;
