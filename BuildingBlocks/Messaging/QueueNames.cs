namespace Scrapbook.Messaging;

/// <summary>
/// Queue names valid on both transports: Azure Storage's rule (3–63 of [a-z0-9-], no leading, trailing or double hyphen),
/// which Service Bus names also satisfy.
/// </summary>
internal static class QueueNames
{
    public const int MaxLength = 63;

    public static void Validate(string name, string parameterName = "queueName")
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        var valid = name.Length is >= 3 and <= MaxLength
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && name[0] != '-'
            && name[^1] != '-'
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException(
                $"'{name}' is not a valid queue name: use 3-{MaxLength} lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                parameterName);
        }
    }
}
