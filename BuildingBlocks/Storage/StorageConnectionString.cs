using System.Diagnostics.CodeAnalysis;

namespace Scrapbook.Storage;

/// <summary>Which Azure Storage service an endpoint belongs to.</summary>
internal enum StorageService
{
    Blob,
    Queue,
}

/// <summary>
/// A parsed <c>ConnectionStrings:blobs</c> / <c>ConnectionStrings:queues</c> value, in one of four forms:
/// <list type="bullet">
/// <item>an account-key string: <c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…[;EndpointSuffix=…][;BlobEndpoint=…][;QueueEndpoint=…]</c>;</item>
/// <item><c>UseDevelopmentStorage=true</c>: Azurite's well-known account on its default ports;</item>
/// <item>a service URI (<c>https://acct.blob.core.windows.net</c>): Entra ID tokens from <c>DefaultAzureCredential</c>;</item>
/// <item><c>file:///absolute/path</c>: the filesystem blob store rooted there (blobs only).</item>
/// </list>
/// </summary>
internal sealed class StorageConnectionString
{
    public const string DevelopmentAccountName = "devstoreaccount1";

    // Azurite's and the legacy emulator's published, well-known development key (not a secret).
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly string[] s_ignoredKeys = ["TableEndpoint", "FileEndpoint"];

    private StorageConnectionString()
    {
    }

    /// <summary>The account name; <c>null</c> for the service-URI and file forms.</summary>
    public string? AccountName { get; private init; }

    /// <summary>The decoded account key; non-null exactly when requests are signed with Shared Key.</summary>
    public byte[]? AccountKey { get; private init; }

    /// <summary>The service URI given directly (token-credential form).</summary>
    public Uri? ServiceUri { get; private init; }

    /// <summary>The filesystem root (file form).</summary>
    public string? FileSystemRoot { get; private init; }

    private Uri? BlobEndpoint { get; init; }

    private Uri? QueueEndpoint { get; init; }

    [MemberNotNullWhen(true, nameof(AccountKey), nameof(AccountName))]
    public bool UsesSharedKey => AccountKey is not null;

    [MemberNotNullWhen(true, nameof(FileSystemRoot))]
    public bool IsFileSystem => FileSystemRoot is not null;

    /// <summary>Parses <paramref name="value"/>; a bad value throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static StorageConnectionString Parse(string? value, string connectionName = "storage")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(connectionName, "it is empty. Set ConnectionStrings__" + connectionName);
        }

        value = value.Trim();
        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return ParseFile(value, connectionName);
        }

        if (!value.Contains(';') && (value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            return new StorageConnectionString { ServiceUri = ParseEndpoint(value, "the service URI", connectionName) };
        }

        return ParseKeyValues(value, connectionName);
    }

    /// <summary>The endpoint of <paramref name="service"/> (no trailing slash), e.g. <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri GetEndpoint(StorageService service, string connectionName)
    {
        if (IsFileSystem)
        {
            throw Invalid(connectionName, $"a file: path can only be used for blobs, not the {service} service");
        }

        if (ServiceUri is { } uri)
        {
            var other = service == StorageService.Blob ? StorageService.Queue : StorageService.Blob;
            if (uri.Host.Contains($".{other.ToString().ToLowerInvariant()}.", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(connectionName, $"'{uri}' is a {other} service URI, but it is used for the {service} service");
            }

            return uri;
        }

        return (service == StorageService.Blob ? BlobEndpoint : QueueEndpoint)!;
    }

    private static StorageConnectionString ParseFile(string value, string connectionName)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !uri.IsFile || !Path.IsPathFullyQualified(uri.LocalPath))
        {
            throw Invalid(connectionName, $"'{value}' is not an absolute file URI such as file:///var/lib/scrapbook/blobs");
        }

        if (!string.IsNullOrEmpty(uri.Host) && !uri.IsLoopback)
        {
            throw Invalid(connectionName, $"'{value}' names host '{uri.Host}'; only local paths (file:///path) are supported");
        }

        return new StorageConnectionString { FileSystemRoot = Path.TrimEndingDirectorySeparator(uri.LocalPath) };
    }

    private static StorageConnectionString ParseKeyValues(string value, string connectionName)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Invalid(connectionName, $"'{part}' is not a Key=Value pair");
            }

            var key = part[..equals].Trim();
            if (!settings.TryAdd(key, part[(equals + 1)..].Trim()))
            {
                throw Invalid(connectionName, $"'{key}' appears more than once");
            }
        }

        foreach (var key in settings.Keys)
        {
            if (key.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(connectionName, "SharedAccessSignature is not supported; use an account key or a service URI (Entra ID)");
            }

            if (!IsKnownKey(key))
            {
                throw Invalid(connectionName, $"'{key}' is not a recognized setting (expected DefaultEndpointsProtocol, AccountName, AccountKey, EndpointSuffix, BlobEndpoint, QueueEndpoint or UseDevelopmentStorage)");
            }
        }

        Uri? blobEndpoint = settings.TryGetValue("BlobEndpoint", out var blob) ? ParseEndpoint(blob, "BlobEndpoint", connectionName) : null;
        Uri? queueEndpoint = settings.TryGetValue("QueueEndpoint", out var queue) ? ParseEndpoint(queue, "QueueEndpoint", connectionName) : null;

        if (settings.TryGetValue("UseDevelopmentStorage", out var useDevelopment))
        {
            if (!bool.TryParse(useDevelopment, out var enabled) || !enabled)
            {
                throw Invalid(connectionName, $"UseDevelopmentStorage must be 'true', not '{useDevelopment}'");
            }

            return new StorageConnectionString
            {
                AccountName = DevelopmentAccountName,
                AccountKey = Convert.FromBase64String(DevelopmentAccountKey),
                BlobEndpoint = blobEndpoint ?? new Uri($"http://127.0.0.1:10000/{DevelopmentAccountName}"),
                QueueEndpoint = queueEndpoint ?? new Uri($"http://127.0.0.1:10001/{DevelopmentAccountName}"),
            };
        }

        if (!settings.TryGetValue("AccountName", out var accountName) || accountName.Length == 0)
        {
            throw Invalid(connectionName, "AccountName is missing");
        }

        if (!settings.TryGetValue("AccountKey", out var accountKey) || accountKey.Length == 0)
        {
            throw Invalid(connectionName, "AccountKey is missing (for Entra ID authentication use the service URI, e.g. https://account.blob.core.windows.net)");
        }

        var keyBytes = new byte[accountKey.Length];
        if (!Convert.TryFromBase64String(accountKey, keyBytes, out var keyLength) || keyLength == 0)
        {
            throw Invalid(connectionName, "AccountKey is not valid base64");
        }

        var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol", "https").ToLowerInvariant();
        if (protocol is not ("http" or "https"))
        {
            throw Invalid(connectionName, $"DefaultEndpointsProtocol must be http or https, not '{protocol}'");
        }

        var suffix = settings.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        return new StorageConnectionString
        {
            AccountName = accountName,
            AccountKey = keyBytes[..keyLength],
            BlobEndpoint = blobEndpoint ?? ParseEndpoint($"{protocol}://{accountName}.blob.{suffix}", "the blob endpoint built from AccountName and EndpointSuffix", connectionName),
            QueueEndpoint = queueEndpoint ?? ParseEndpoint($"{protocol}://{accountName}.queue.{suffix}", "the queue endpoint built from AccountName and EndpointSuffix", connectionName),
        };
    }

    private static bool IsKnownKey(string key) =>
        key.Equals("DefaultEndpointsProtocol", StringComparison.OrdinalIgnoreCase)
        || key.Equals("AccountName", StringComparison.OrdinalIgnoreCase)
        || key.Equals("AccountKey", StringComparison.OrdinalIgnoreCase)
        || key.Equals("EndpointSuffix", StringComparison.OrdinalIgnoreCase)
        || key.Equals("BlobEndpoint", StringComparison.OrdinalIgnoreCase)
        || key.Equals("QueueEndpoint", StringComparison.OrdinalIgnoreCase)
        || key.Equals("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase)
        || s_ignoredKeys.Contains(key, StringComparer.OrdinalIgnoreCase);

    private static Uri ParseEndpoint(string value, string what, string connectionName)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw Invalid(connectionName, $"{what} '{value}' is not an absolute http(s) URI");
        }

        if (!string.IsNullOrEmpty(uri.Query))
        {
            throw Invalid(connectionName, $"{what} '{value}' has a query string; SAS tokens are not supported");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    private static FormatException Invalid(string connectionName, string reason) =>
        new($"Connection string '{connectionName}' is not a valid storage connection string: {reason}.");

    /// <summary>Never prints the key.</summary>
    public override string ToString() =>
        IsFileSystem ? $"file://{FileSystemRoot}"
        : ServiceUri is { } uri ? $"{uri} (Entra ID)"
        : $"account {AccountName} at {BlobEndpoint} / {QueueEndpoint} (Shared Key)";
}
