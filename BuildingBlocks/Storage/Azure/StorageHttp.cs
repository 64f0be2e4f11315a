using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace Scrapbook.Storage;

/// <summary>
/// The HTTP side shared by the Blob and Queue REST clients: one Azure.Core <see cref="HttpPipeline"/> (its RetryPolicy
/// retries 408/429/5xx and transport failures with exponential back-off), authenticated with Shared Key for
/// account-key connection strings or Entra ID bearer tokens for the service-URI form; the <c>x-ms-version</c> header;
/// and mapping of the services' XML error responses to <see cref="StorageException"/>.
/// </summary>
internal sealed class StorageHttp
{
    /// <summary>
    /// The Azure Storage REST version sent as <c>x-ms-version</c> on every request. Accepted by Azure Storage and by
    /// Azurite 3.37 (whose newest is 2026-06-06); it has everything used here (conditional Put Block List,
    /// messagettl=-1, Entra ID for queues).
    /// </summary>
    public const string ApiVersion = "2023-11-03";

    private const string StorageScope = "https://storage.azure.com/.default";

    private readonly HttpPipeline _pipeline;

    private StorageHttp(HttpPipeline pipeline, string account)
    {
        _pipeline = pipeline;
        Account = account;
    }

    /// <summary>Describes the account for messages, e.g. <c>devstoreaccount1</c> or the service host.</summary>
    public string Account { get; }

    public static StorageHttp Create(StorageConnectionString connection, Uri endpoint, TokenCredential? credential = null, RetryOptions? retry = null)
    {
        var options = new StorageClientOptions();
        if (retry is not null)
        {
            options.Retry.MaxRetries = retry.MaxRetries;
            options.Retry.Delay = retry.Delay;
            options.Retry.MaxDelay = retry.MaxDelay;
            options.Retry.Mode = retry.Mode;
            options.Retry.NetworkTimeout = retry.NetworkTimeout;
        }

        HttpPipelinePolicy authentication = connection.UsesSharedKey
            ? new SharedKeyPolicy(connection.AccountName, connection.AccountKey)
            : new BearerTokenAuthenticationPolicy(credential ?? new DefaultAzureCredential(), StorageScope);

        return new StorageHttp(HttpPipelineBuilder.Build(options, authentication), connection.AccountName ?? endpoint.Host);
    }

    public HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue("x-ms-version", ApiVersion);
        return message;
    }

    /// <summary>Sends through the pipeline; a service that stays unreachable after the retries becomes a <see cref="StorageException"/> with status 0.</summary>
    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException { Status: 0 } or AggregateException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[^1].Message : ex.Message;
            var target = message.Request.Uri.ToUri();
            throw new StorageException($"Could not reach Azure Storage at {target.GetLeftPart(UriPartial.Authority)} (account {Account}): {reason}", 0, null, ex);
        }

        return message.Response;
    }

    /// <summary>Builds <c>{endpoint}/{path}?{query}</c>, escaping each path segment and query value.</summary>
    public static Uri BuildUri(Uri endpoint, string path, params ReadOnlySpan<(string Name, string? Value)> query)
    {
        var builder = new StringBuilder(endpoint.AbsoluteUri.TrimEnd('/'));
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append('/').Append(Uri.EscapeDataString(segment));
        }

        var separator = '?';
        foreach (var (name, value) in query)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return new Uri(builder.ToString());
    }

    /// <summary>
    /// Turns an error response into an exception carrying the service's error code and message: a typed
    /// <see cref="StorageAuthenticationException"/> for rejected credentials, otherwise <see cref="StorageException"/>.
    /// </summary>
    public async Task<StorageException> CreateExceptionAsync(Response response, string operation, string resource, CancellationToken cancellationToken)
    {
        var (code, serviceMessage) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var detail = serviceMessage is null ? string.Empty : $": {serviceMessage}";
        var status = response.Status;

        if (StorageAuthenticationException.Matches(status, code))
        {
            return new StorageAuthenticationException(
                $"Azure Storage account '{Account}' refused the credentials for {operation} on {resource} ({status} {code ?? response.ReasonPhrase}){detail}. " +
                "Check the AccountKey in the connection string, or that the identity has a Storage Blob/Queue Data role on the account.",
                status,
                code);
        }

        return new StorageException($"{operation} on {resource} failed with {status} {code ?? response.ReasonPhrase}{detail}.", status, code);
    }

    /// <summary>The <c>x-ms-error-code</c> header, falling back to the XML body's <c>Code</c>, plus the first line of its <c>Message</c>.</summary>
    public static async Task<(string? Code, string? Message)> ReadErrorAsync(Response response, CancellationToken cancellationToken)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var code);
        string? message = null;
        if (response.ContentStream is { } stream)
        {
            try
            {
                // Error bodies are small; cap what we read in case a streamed body is not one.
                var buffer = new byte[16 * 1024];
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read > 0)
                {
                    var error = XDocument.Parse(Encoding.UTF8.GetString(buffer, 0, read)).Root;
                    code ??= error?.Element("Code")?.Value;
                    message = error?.Element("Message")?.Value.Split('\n')[0].Trim();
                }
            }
            catch (System.Xml.XmlException)
            {
                // Not an XML error body; the status and error-code header still say what happened.
            }
        }

        return (code, message);
    }

    public static string? GetHeader(Response response, string name) =>
        response.Headers.TryGetValue(name, out var value) ? value : null;

    public static DateTimeOffset ParseHttpDate(string? value) =>
        value is not null && DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : DateTimeOffset.MinValue;

    private sealed class StorageClientOptions : ClientOptions
    {
        public StorageClientOptions()
        {
            Diagnostics.ApplicationId = "scrapbook-storage";
        }
    }
}
