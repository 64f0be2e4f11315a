namespace Scrapbook.Imaging.Tests.Support;

internal static class Engine
{
    public static VipsImaging Create(Action<ImagingOptions>? configure = null)
    {
        var options = new ImagingOptions();
        configure?.Invoke(options);
        return new VipsImaging(options);
    }
}
