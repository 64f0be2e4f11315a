using System.Diagnostics.CodeAnalysis;

namespace Scrapbook.Messaging;

/// <summary>
/// Tells a service address from a connection string in a <c>ConnectionStrings:*</c> value. An address means the app signs in with
/// a token credential (managed identity in Azure, the developer's account locally); a connection string carries its own key.
/// </summary>
internal static class ConnectionValues
{
    /// <summary>A queue service URI such as <c>https://account.queue.core.windows.net/</c>.</summary>
    public static bool TryGetServiceUri(string value, [NotNullWhen(true)] out Uri? uri)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp))
        {
            uri = parsed;
            return true;
        }

        uri = null;
        return false;
    }

    /// <summary>
    /// A Service Bus namespace: <c>name.servicebus.windows.net</c>, or a URI naming it (<c>sb://…</c>, <c>https://…:443/</c>, as
    /// Aspire hands out a provisioned namespace). Connection strings (<c>Endpoint=sb://…;SharedAccessKey…</c>) are not.
    /// </summary>
    public static bool TryGetServiceBusNamespace(string value, [NotNullWhen(true)] out string? fullyQualifiedNamespace)
    {
        fullyQualifiedNamespace = null;
        if (value.Contains('=', StringComparison.Ordinal) || value.Contains(';', StringComparison.Ordinal))
        {
            return false;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "sb" or "amqps" or "https" or "http" && uri.Host.Length > 0)
        {
            fullyQualifiedNamespace = uri.Host;
            return true;
        }

        if (Uri.CheckHostName(value) == UriHostNameType.Dns)
        {
            fullyQualifiedNamespace = value;
            return true;
        }

        return false;
    }
}
