using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>
/// <see cref="IJobQueue"/> on the Azure Queue Storage REST API, <c>x-ms-version</c> <see cref="StorageHttp.ApiVersion"/>.
/// Operations used: Create Queue, Get Queue Metadata, Put Message (<c>visibilitytimeout</c>, <c>messagettl=-1</c>),
/// Get Messages (<c>numofmessages</c>, <c>visibilitytimeout</c>), Update Message (visibility only, no body) and
/// Delete Message. Message text is the base64 of the body, as the Azure SDKs write it.
/// </summary>
internal sealed partial class AzureJobQueue : IJobQueue, IStorageResource
{
    /// <summary>Put Message accepts at most 64 KiB of message text; base64 makes that 48 KiB of body.</summary>
    internal const int MaxBodyBytes = 48 * 1024;

    private static readonly TimeSpan s_maxVisibility = TimeSpan.FromDays(7);

    private readonly StorageHttp _http;
    private readonly Uri _queueUri;
    private readonly Uri _poisonUri;
    private readonly ILogger _logger;

    public AzureJobQueue(StorageHttp http, Uri queueEndpoint, string name, ILogger<AzureJobQueue> logger)
    {
        ResourceNames.Validate(name, "queue");
        Name = name;
        PoisonQueueName = name + "-poison";
        ResourceNames.Validate(PoisonQueueName, "poison queue");
        _http = http;
        _queueUri = StorageHttp.BuildUri(queueEndpoint, name);
        _poisonUri = StorageHttp.BuildUri(queueEndpoint, PoisonQueueName);
        _logger = logger;
    }

    public string Name { get; }

    public string PoisonQueueName { get; }

    public string Description => $"queue '{Name}' (account {_http.Account})";

    public Task<string> SendAsync(BinaryData body, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.ToMemory().Length > MaxBodyBytes)
        {
            throw new ArgumentException($"A queue message body is limited to {MaxBodyBytes} bytes; this one is {body.ToMemory().Length}. Put large payloads in the blob store and send their key.", nameof(body));
        }

        if (initialVisibilityDelay is { } delay && (delay < TimeSpan.Zero || delay > s_maxVisibility))
        {
            throw new ArgumentOutOfRangeException(nameof(initialVisibilityDelay), delay, "The initial visibility delay must be between 0 and 7 days.");
        }

        return PutMessageAsync(_queueUri, Name, body, initialVisibilityDelay, cancellationToken);
    }

    public async Task<IReadOnlyList<JobMessage>> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        var seconds = ToVisibilitySeconds(visibilityTimeout, minimum: 1);

        var uri = StorageHttp.BuildUri(_queueUri, "messages", ("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture)), ("visibilitytimeout", seconds));
        using var message = _http.CreateMessage(RequestMethod.Get, uri);
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw await _http.CreateExceptionAsync(response, "Get Messages", Description, cancellationToken).ConfigureAwait(false);
        }

        var document = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, cancellationToken).ConfigureAwait(false);
        return document.Root?.Elements("QueueMessage").Select(ParseMessage).ToList() ?? [];
    }

    public async Task<JobMessage?> ExtendVisibilityAsync(JobMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var seconds = ToVisibilitySeconds(visibilityTimeout, minimum: 0);
        var uri = StorageHttp.BuildUri(_queueUri, $"messages/{message.MessageId}", ("popreceipt", message.PopReceipt), ("visibilitytimeout", seconds));
        using var request = _http.CreateMessage(RequestMethod.Put, uri);
        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case 204:
                return message with
                {
                    PopReceipt = StorageHttp.GetHeader(response, "x-ms-popreceipt") ?? throw new StorageException($"Update Message on {Description} returned no pop receipt."),
                    NextVisibleOn = StorageHttp.ParseHttpDate(StorageHttp.GetHeader(response, "x-ms-time-next-visible")),
                };
            case 404 or 400 when await IsStaleReceiptAsync(response, cancellationToken).ConfigureAwait(false):
                LogStaleReceipt(_logger, "extend", message.MessageId, Name);
                return null;
            default:
                throw await _http.CreateExceptionAsync(response, "Update Message", Description, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> DeleteAsync(JobMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var uri = StorageHttp.BuildUri(_queueUri, $"messages/{message.MessageId}", ("popreceipt", message.PopReceipt));
        using var request = _http.CreateMessage(RequestMethod.Delete, uri);
        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case 204:
                return true;
            case 404 or 400 when await IsStaleReceiptAsync(response, cancellationToken).ConfigureAwait(false):
                LogStaleReceipt(_logger, "delete", message.MessageId, Name);
                return false;
            default:
                throw await _http.CreateExceptionAsync(response, "Delete Message", Description, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> MoveToPoisonAsync(JobMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await PutMessageAsync(_poisonUri, PoisonQueueName, message.Body, null, cancellationToken).ConfigureAwait(false);
        var deleted = await DeleteAsync(message, cancellationToken).ConfigureAwait(false);
        LogMovedToPoison(_logger, message.MessageId, Name, PoisonQueueName, message.DequeueCount);
        return deleted;
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var (uri, name) in new[] { (_queueUri, Name), (_poisonUri, PoisonQueueName) })
        {
            using var message = _http.CreateMessage(RequestMethod.Put, uri);
            var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            switch (response.Status)
            {
                case 201:
                    LogQueueCreated(_logger, name, _http.Account);
                    break;
                case 204 or 409:
                    break; // Already exists (409 only when its metadata differs from none, which is still our queue).
                default:
                    throw await _http.CreateExceptionAsync(response, "Create Queue", $"queue '{name}'", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<string?> ProbeAsync(CancellationToken cancellationToken = default)
    {
        using var message = _http.CreateMessage(RequestMethod.Get, StorageHttp.BuildUri(_queueUri, string.Empty, ("comp", "metadata")));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => null,
            404 => $"{Description} does not exist",
            _ => (await _http.CreateExceptionAsync(response, "Get Queue Metadata", Description, cancellationToken).ConfigureAwait(false)).Message,
        };
    }

    public async Task<QueueCounts> GetApproximateCountsAsync(CancellationToken cancellationToken = default)
    {
        var messages = GetApproximateCountAsync(_queueUri, Name, cancellationToken);
        var poisoned = GetApproximateCountAsync(_poisonUri, PoisonQueueName, cancellationToken);
        return new QueueCounts(await messages.ConfigureAwait(false), await poisoned.ConfigureAwait(false));
    }

    private async Task<long> GetApproximateCountAsync(Uri queueUri, string queueName, CancellationToken cancellationToken)
    {
        using var message = _http.CreateMessage(RequestMethod.Get, StorageHttp.BuildUri(queueUri, string.Empty, ("comp", "metadata")));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw await _http.CreateExceptionAsync(response, "Get Queue Metadata", $"queue '{queueName}'", cancellationToken).ConfigureAwait(false);
        }

        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count)
            && long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StorageException($"Get Queue Metadata on queue '{queueName}' returned no x-ms-approximate-messages-count.");
    }

    private async Task<string> PutMessageAsync(Uri queueUri, string queueName, BinaryData body, TimeSpan? initialVisibilityDelay, CancellationToken cancellationToken)
    {
        var uri = StorageHttp.BuildUri(
            queueUri,
            "messages",
            ("visibilitytimeout", initialVisibilityDelay is { } delay ? ((long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : null),
            ("messagettl", "-1")); // jobs never expire silently; they are deleted when done or moved to the poison queue

        var text = new XElement("QueueMessage", new XElement("MessageText", Convert.ToBase64String(body.ToMemory().Span)));
        using var message = _http.CreateMessage(RequestMethod.Post, uri);
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(text.ToString(SaveOptions.DisableFormatting)));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201)
        {
            throw await _http.CreateExceptionAsync(response, "Put Message", $"queue '{queueName}'", cancellationToken).ConfigureAwait(false);
        }

        var document = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, cancellationToken).ConfigureAwait(false);
        return document.Root?.Element("QueueMessage")?.Element("MessageId")?.Value
            ?? throw new StorageException($"Put Message on queue '{queueName}' returned no message id.");
    }

    /// <summary>404 MessageNotFound (receipt no longer current) or 400 for a receipt the service cannot even parse.</summary>
    private static async Task<bool> IsStaleReceiptAsync(Response response, CancellationToken cancellationToken)
    {
        var (code, _) = await StorageHttp.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        response.ContentStream?.Seek(0, SeekOrigin.Begin);
        return response.Status == 404 || code is "InvalidQueryParameterValue" or "PopReceiptMismatch";
    }

    private static string ToVisibilitySeconds(TimeSpan timeout, int minimum)
    {
        if (timeout < TimeSpan.FromSeconds(minimum) || timeout > s_maxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"A visibility timeout must be between {minimum} second(s) and 7 days.");
        }

        return ((long)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static JobMessage ParseMessage(XElement element)
    {
        var text = element.Element("MessageText")?.Value ?? string.Empty;
        var bytes = new byte[text.Length];

        // Messages written by other tools may be plain text rather than base64; hand those over as their UTF-8 bytes.
        var body = Convert.TryFromBase64String(text, bytes, out var written)
            ? BinaryData.FromBytes(bytes.AsMemory(0, written))
            : BinaryData.FromString(text);

        return new JobMessage(
            element.Element("MessageId")?.Value ?? string.Empty,
            element.Element("PopReceipt")?.Value ?? string.Empty,
            long.Parse(element.Element("DequeueCount")?.Value ?? "0", CultureInfo.InvariantCulture),
            body,
            StorageHttp.ParseHttpDate(element.Element("InsertionTime")?.Value),
            StorageHttp.ParseHttpDate(element.Element("TimeNextVisible")?.Value));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created queue {Queue} in storage account {Account}")]
    private static partial void LogQueueCreated(ILogger logger, string queue, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved message {MessageId} from {Queue} to {PoisonQueue} after {DequeueCount} deliveries")]
    private static partial void LogMovedToPoison(ILogger logger, string messageId, string queue, string poisonQueue, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not {Operation} message {MessageId} on {Queue}: its pop receipt is stale or the message is gone")]
    private static partial void LogStaleReceipt(ILogger logger, string operation, string messageId, string queue);
}
