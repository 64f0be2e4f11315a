namespace Scrapbook.Testing;

/// <summary>Locates the checkout the tests run from, so tests can reach its tools and build outputs.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scrapbook.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Scrapbook.slnx not found above {AppContext.BaseDirectory}.");
    }
}
