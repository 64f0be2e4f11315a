namespace Scrapbook.Imaging.Interop;

/// <summary>
/// libvips' process-wide setup, done once: the first caller's concurrency wins, since libvips has
/// one setting per process.
/// </summary>
internal static class VipsRuntime
{
    /// <summary>
    /// The only loaders reachable: each accepted format's source loader (§7). Everything else under
    /// VipsForeignLoad — magick, svg, pdf, matlab, fits, openslide, vips, csv, raw… — stays blocked,
    /// on top of vips_block_untrusted_set.
    /// </summary>
    internal static readonly string[] AllowedLoaders =
    [
        "VipsForeignLoadJpegSource",
        "VipsForeignLoadPngSource",
        "VipsForeignLoadWebpSource",
        "VipsForeignLoadNsgifSource",
        "VipsForeignLoadTiffSource",
        "VipsForeignLoadHeifSource",
    ];

    private static readonly Lock s_lock = new();
    private static bool s_initialized;

    public static void EnsureInitialized(int concurrency)
    {
        lock (s_lock)
        {
            if (s_initialized)
            {
                return;
            }

            if (NativeMethods.Init("scrapbook") != 0)
            {
                throw VipsException.FromErrorBuffer("init");
            }

            var major = NativeMethods.Version(0);
            var minor = NativeMethods.Version(1);
            if (major < 8 || (major == 8 && minor < 14))
            {
                throw new VipsException($"libvips 8.14 or later is required; found {major}.{minor}.");
            }

            NativeMethods.BlockUntrustedSet(true);
            NativeMethods.OperationBlockSet("VipsForeignLoad", true);
            foreach (var loader in AllowedLoaders)
            {
                NativeMethods.OperationBlockSet(loader, false);
            }

            // Every render opens a different file once: a cache only holds memory and descriptors.
            NativeMethods.CacheSetMax(0);
            NativeMethods.CacheSetMaxMem(0);
            NativeMethods.CacheSetMaxFiles(0);
            if (concurrency > 0)
            {
                NativeMethods.ConcurrencySet(concurrency);
            }

            s_initialized = true;
        }
    }
}
