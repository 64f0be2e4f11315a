namespace Scrapbook.Storage;

/// <summary>Azure's naming rules for containers and queues (they are the same): 3–63 of [a-z0-9-], no leading, trailing or double hyphen.</summary>
internal static class ResourceNames
{
    public static void Validate(string name, string kind)
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
                $"'{name}' is not a valid {kind} name: use 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                nameof(name));
        }
    }
}
