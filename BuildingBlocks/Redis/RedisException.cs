namespace Scrapbook.Redis;

/// <summary>Base of the errors this client raises; thrown as itself for protocol violations.</summary>
public class RedisException : Exception
{
    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
