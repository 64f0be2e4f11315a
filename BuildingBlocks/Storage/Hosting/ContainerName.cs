namespace Scrapbook.Storage;

/// <summary>
/// Azure's rule for container names (3–63 of [a-z0-9-], no leading, trailing or double hyphen), checked at registration
/// so a bad name fails there rather than as a 400 from the service at start.
/// </summary>
internal static class ContainerName
{
    public static void Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var valid = name.Length is >= 3 and <= 63
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && name[0] != '-'
            && name[^1] != '-'
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException(
                $"'{name}' is not a valid blob container name: use 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                nameof(name));
        }
    }
}
