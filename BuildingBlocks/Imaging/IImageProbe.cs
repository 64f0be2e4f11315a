namespace Scrapbook.Imaging;

/// <summary>
/// Reads an image's header — never its pixels — and enforces the limits. Throws
/// <see cref="ImageRejectedException"/> for anything that is not an accepted, decodable-looking
/// image within limits.
/// </summary>
public interface IImageProbe
{
    Task<ImageInfo> ProbeAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Reads the stream to its end (at most MaxBytes; one byte more is a TooLarge rejection).</summary>
    Task<ImageInfo> ProbeAsync(Stream content, CancellationToken cancellationToken = default);
}

/// <summary>
/// Renders an original into the configured presets plus a ThumbHash placeholder. Probes (and so
/// rejects) first; an original whose pixels cannot be decoded is a Corrupt rejection.
/// </summary>
public interface IThumbnailRenderer
{
    /// <summary>Renders <paramref name="presets"/> (null: the configured ones) from the file at <paramref name="path"/>.</summary>
    Task<RenderResult> RenderAsync(string path, IReadOnlyList<RenditionPreset>? presets = null, CancellationToken cancellationToken = default);

    Task<RenderResult> RenderAsync(Stream content, IReadOnlyList<RenditionPreset>? presets = null, CancellationToken cancellationToken = default);
}
