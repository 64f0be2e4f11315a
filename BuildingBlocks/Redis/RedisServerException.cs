namespace Scrapbook.Redis;

/// <summary>
/// Redis answered the command with an error reply (<c>-WRONGTYPE …</c>, <c>-ERR …</c>, <c>-WRONGPASS …</c>).
/// <see cref="Exception.Message"/> is Redis's message unchanged; <see cref="Prefix"/> is its error code.
/// </summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException(string message)
        : base(message)
    {
        Prefix = ParsePrefix(message);
    }

    /// <summary>The error code Redis puts first by convention (<c>ERR</c>, <c>WRONGTYPE</c>, <c>NOAUTH</c>…).</summary>
    public string Prefix { get; }

    private static string ParsePrefix(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        var word = space < 0 ? message : message[..space];
        foreach (var c in word)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return "ERR";
            }
        }

        return word.Length == 0 ? "ERR" : word;
    }
}
