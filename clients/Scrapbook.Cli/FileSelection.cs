using Microsoft.Extensions.FileSystemGlobbing;

namespace Scrapbook.Cli;

/// <summary>What <c>scrapbook upload</c> was given, as files: files as they are, folders searched through, globs matched.</summary>
internal static class FileSelection
{
    /// <summary>By file name extension: the site decides by content, so this only names what it will likely take.</summary>
    private static readonly Dictionary<string, string> s_contentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".png"] = "image/png",
        [".webp"] = "image/webp",
        [".gif"] = "image/gif",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".heic"] = "image/heic",
        [".heif"] = "image/heif",
        [".avif"] = "image/avif",
        [".bmp"] = "image/bmp",
    };

    /// <summary>A folder's images: files with an image extension, in every subfolder.</summary>
    public static bool LooksLikeImage(string path) => s_contentTypes.ContainsKey(Path.GetExtension(path));

    public static string ContentTypeOf(string path) =>
        s_contentTypes.TryGetValue(Path.GetExtension(path), out var type) ? type : "application/octet-stream";

    /// <summary>The files named by <paramref name="inputs"/>, each once, in the order given; and the inputs that named nothing.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Unmatched) Expand(IEnumerable<string> inputs, string workingDirectory)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unmatched = new List<string>();
        foreach (var input in inputs)
        {
            var found = Find(input, workingDirectory).ToList();
            if (found.Count == 0)
            {
                unmatched.Add(input);
            }

            files.AddRange(found.Where(seen.Add));
        }

        return (files, unmatched);
    }

    private static IEnumerable<string> Find(string input, string workingDirectory)
    {
        var path = Path.GetFullPath(input, workingDirectory);
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(LooksLikeImage).Order(StringComparer.Ordinal);
        }

        if (input.IndexOfAny(['*', '?']) < 0)
        {
            return [];
        }

        // A glob: matched from the deepest folder named before its first wildcard.
        var root = Path.IsPathRooted(input) ? Path.GetPathRoot(input)! : workingDirectory;
        var pattern = Path.IsPathRooted(input) ? input[root.Length..] : input;
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(pattern);
        return matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal);
    }
}
