namespace Scrapbook.Redis;

/// <summary>
/// The command did not get a reply because there was no usable connection: the server could not be
/// reached, refused authentication, or dropped the connection while the command was in flight.
/// A command that fails this way may or may not have run on the server; the client never resends it.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
