namespace Scrapbook.Storage;

/// <summary>
/// The key rules <see cref="IBlobStore"/> enforces: Azure accepts almost any blob name, but keys are also parts of URLs
/// and listing prefixes, so they stay relative, '/'-separated and free of "." and ".." segments.
/// </summary>
public static class BlobKey
{
    /// <summary>Azure's limit on blob name length.</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="key"/> is not a valid blob key.</summary>
    public static void Validate(string key, string paramName = "key")
    {
        if (GetError(key) is { } error)
        {
            throw new ArgumentException($"Invalid blob key '{key}': {error}.", paramName);
        }
    }

    /// <summary>Why <paramref name="key"/> is invalid, or <c>null</c> when it is valid.</summary>
    public static string? GetError(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "it is empty";
        }

        if (key.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (key[0] == '/')
        {
            return "it starts with '/' (keys are relative)";
        }

        foreach (var c in key)
        {
            if (c == '\\')
            {
                return "it contains a backslash (use '/' to separate segments)";
            }

            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return $"it has a '{segment}' segment";
            }
        }

        return null;
    }
}
