namespace Scrapbook.Imaging;

/// <summary>One encoded rendition: upright, sRGB, without any metadata.</summary>
public sealed record Rendition(string Name, ReadOnlyMemory<byte> Content, int Width, int Height, string ContentType, string FileExtension);

/// <summary>Everything rendered from one original.</summary>
/// <param name="Source">The original's probe.</param>
/// <param name="Renditions">One per preset, in the order asked.</param>
/// <param name="ThumbHash">The ThumbHash placeholder bytes (see <see cref="Imaging.ThumbHash"/>).</param>
public sealed record RenderResult(ImageInfo Source, IReadOnlyList<Rendition> Renditions, ReadOnlyMemory<byte> ThumbHash)
{
    /// <summary>The placeholder as stored with the photo and sent to browsers: base64 of the ThumbHash.</summary>
    public string Placeholder => Convert.ToBase64String(ThumbHash.Span);
}
