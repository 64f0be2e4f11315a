using System.Globalization;
using System.Net.Security;
using System.Text;

namespace Scrapbook.Redis;

/// <summary>
/// Where and how to connect to Redis. <see cref="Parse"/> reads the StackExchange.Redis
/// connection-string syntax that Aspire hands to services:
/// <c>host[:port][,password=…][,user=…][,ssl=true][,sslHost=…][,connectTimeout=ms]
/// [,asyncTimeout=ms][,syncTimeout=ms][,defaultDatabase=n][,name=…]</c>.
/// Keys are case-insensitive; keys this client has no use for (abortConnect, allowAdmin, …) are ignored.
/// </summary>
public sealed record RedisConnectionOptions
{
    public const int DefaultPort = 6379;

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name; sent as <c>AUTH user password</c>. Needs <see cref="Password"/>.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    public bool Ssl { get; init; }

    /// <summary>Host name expected on the server certificate (and sent as SNI); defaults to <see cref="Host"/>.</summary>
    public string? SslHost { get; init; }

    /// <summary>Validates the server certificate instead of the system trust store (development certificates).</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>Bounds TCP connect, TLS handshake and AUTH together.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a sent command may wait for its reply before the connection is declared dead
    /// (a half-open socket would otherwise hang callers forever). Blocking reads get their block time on top.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int Database { get; init; }

    /// <summary>Sent as <c>CLIENT SETNAME</c> so the connection is recognisable in <c>CLIENT LIST</c>.</summary>
    public string? ClientName { get; init; }

    /// <summary>First delay between reconnect attempts; doubles per failed attempt, with jitter.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap on the delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    internal string EndPoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses a StackExchange.Redis-style connection string.</summary>
    /// <exception cref="FormatException">The string has no endpoint, more than one, or a value that does not parse.</exception>
    public static RedisConnectionOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);

        string? host = null;
        var port = DefaultPort;
        string? user = null, password = null, sslHost = null, clientName = null;
        var ssl = false;
        var database = 0;
        var connectTimeout = TimeSpan.FromSeconds(5);
        var responseTimeout = TimeSpan.FromSeconds(5);

        foreach (var rawPart in connectionString.Split(','))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                if (host is not null)
                {
                    throw Invalid("it names more than one endpoint; this client connects to a single Redis server.");
                }

                (host, port) = ParseEndPoint(part);
                continue;
            }

            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "password":
                    password = value;
                    break;
                case "user":
                    user = value.Length == 0 ? null : value;
                    break;
                case "ssl":
                    ssl = ParseBool(key, value);
                    break;
                case "sslhost":
                    sslHost = value.Length == 0 ? null : value;
                    break;
                case "connecttimeout":
                    connectTimeout = ParseMilliseconds(key, value);
                    break;
                case "synctimeout":
                case "asynctimeout":
                    responseTimeout = ParseMilliseconds(key, value);
                    break;
                case "defaultdatabase":
                    database = ParseInt(key, value, min: 0);
                    break;
                case "name":
                    clientName = value.Length == 0 ? null : value;
                    break;
                default:
                    // Options such as abortConnect, allowAdmin, keepAlive or connectRetry describe
                    // StackExchange.Redis behaviour this client does not have; ignoring them keeps
                    // Aspire-generated strings working.
                    break;
            }
        }

        if (host is null)
        {
            throw Invalid("it names no endpoint; expected 'host:port' first, e.g. 'localhost:6379,password=…'.");
        }

        if (user is not null && string.IsNullOrEmpty(password))
        {
            throw Invalid("'user' is set but 'password' is not; ACL authentication needs both.");
        }

        return new RedisConnectionOptions
        {
            Host = host,
            Port = port,
            User = user,
            Password = string.IsNullOrEmpty(password) ? null : password,
            Ssl = ssl,
            SslHost = sslHost,
            ConnectTimeout = connectTimeout,
            ResponseTimeout = responseTimeout,
            Database = database,
            ClientName = clientName,
        };
    }

    /// <summary>Redacts the password so options can be logged.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(EndPoint);
        if (User is not null)
        {
            text.Append(",user=").Append(User);
        }

        if (Password is not null)
        {
            text.Append(",password=*****");
        }

        if (Ssl)
        {
            text.Append(",ssl=true");
        }

        if (Database != 0)
        {
            text.Append(",defaultDatabase=").Append(Database.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static (string Host, int Port) ParseEndPoint(string text)
    {
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            // [IPv6]:port
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid($"endpoint '{text}' opens '[' without closing it.");
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Invalid($"endpoint '{text}' has text after ']' that is not ':port'.");
                }

                portText = rest[1..];
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw Invalid($"endpoint '{text}' looks like an IPv6 address; write it as '[address]:port'.");
            }

            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw Invalid($"endpoint '{text}' has no host.");
        }

        var port = DefaultPort;
        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw Invalid($"endpoint '{text}' has port '{portText}', which is not a number from 1 to 65535.");
        }

        return (host, port);
    }

    private static bool ParseBool(string key, string value) =>
        bool.TryParse(value, out var result)
            ? result
            : throw Invalid($"'{key}' must be true or false, not '{value}'.");

    private static int ParseInt(string key, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result) && result >= min
            ? result
            : throw Invalid($"'{key}' must be a whole number of at least {min}, not '{value}'.");

    private static TimeSpan ParseMilliseconds(string key, string value) =>
        TimeSpan.FromMilliseconds(ParseInt(key, value, min: 1));

    private static FormatException Invalid(string reason) =>
        new($"The Redis connection string is not valid: {reason}");
}
