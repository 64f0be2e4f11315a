using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Scrapbook.Networking;
using StandardWebhooks;

namespace Scrapbook.Gallery.Api.Webhooks;

/// <summary>
/// Makes one attempt at one message: a POST signed in the Standard Webhooks format (<c>webhook-id</c>,
/// <c>webhook-timestamp</c>, <c>webhook-signature</c> with one <c>v1,</c> signature per live secret), through the
/// <see cref="PublicDestinationGuard"/>, within <see cref="WebhookOptions.Timeout"/>, reading at most
/// <see cref="MaxExcerptBytes"/> of the answer. Never throws for the receiver's faults: the result says what happened.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    /// <summary>How much of a receiver's answer is read and kept in the log; the rest is never read.</summary>
    public const int MaxExcerptBytes = 1024;

    private readonly HttpMessageInvoker _invoker;
    private readonly PublicDestinationGuard _guard;
    private readonly TimeProvider _time;
    private readonly WebhookOptions _options;

    public WebhookSender(IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookSender> logger)
    {
        _options = options.Value;
        _time = time;
        _guard = new PublicDestinationGuard(_options.AllowLoopback, logger);
        _invoker = new HttpMessageInvoker(_guard.CreateHandler(_options.Timeout));
    }

    /// <summary>Whether an endpoint address may receive deliveries at all; the reason when it may not.</summary>
    public string? CheckUrl(Uri url)
    {
        try
        {
            _guard.EnsureAllowed(url);
            return null;
        }
        catch (DestinationNotAllowedException ex)
        {
            return ex.Message;
        }
    }

    public async Task<AttemptResult> SendAsync(WebhookRow webhook, DueDelivery delivery, CancellationToken cancellationToken = default)
    {
        var startedAt = _time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            var url = new Uri(webhook.Url);
            _guard.EnsureAllowed(url);
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            Sign(request.Headers, webhook.SigningSecrets(startedAt), delivery.MessageId, startedAt, delivery.Payload);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Scrapbook-Webhooks", "1.0"));

            using var response = await PublicDestinationGuard.SendAsync(_invoker, request, timeout.Token);
            var excerpt = await ReadExcerptAsync(response.Content, timeout.Token);
            return new AttemptResult(startedAt, (int)response.StatusCode, stopwatch.Elapsed.TotalMilliseconds,
                response.IsSuccessStatusCode ? null : $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.", excerpt);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed($"No answer within {_options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is DestinationNotAllowedException or DestinationUnreachableException or HttpRequestException or IOException or UriFormatException)
        {
            return Failed(ex.Message);
        }

        AttemptResult Failed(string error) => new(startedAt, null, stopwatch.Elapsed.TotalMilliseconds, error, null);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>Adds the three Standard Webhooks headers, signing with each secret in turn (a receiver accepts any one).</summary>
    internal static void Sign(HttpRequestHeaders headers, IReadOnlyList<string> secrets, string messageId, DateTimeOffset timestamp, string payload)
    {
        headers.TryAddWithoutValidation("webhook-id", messageId);
        headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation("webhook-signature", string.Join(' ', secrets.Select(secret => new StandardWebhook(secret).Sign(messageId, timestamp, payload))));
    }

    private static async Task<string?> ReadExcerptAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxExcerptBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var count and > 0)
        {
            read += count;
        }

        // A cut may split a character: the decoder replaces the broken end rather than failing.
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }
}
