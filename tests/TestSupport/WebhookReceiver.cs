using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Scrapbook.Testing;

/// <summary>One request a <see cref="WebhookReceiver"/> got: the Standard Webhooks headers and the body as sent.</summary>
public sealed record ReceivedWebhook(string? Id, string? Timestamp, string? Signature, string Body, string? ContentType, DateTimeOffset ReceivedAt)
{
    /// <summary>The message's <c>type</c>.</summary>
    public string? Type => Json().RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;

    /// <summary>The message's <c>data.id</c> (a photo's), when it has one.</summary>
    public Guid? DataId =>
        Json().RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("id", out var id) && id.TryGetGuid(out var guid) ? guid : null;

    public JsonDocument Json() => JsonDocument.Parse(Body);

    /// <summary>Whether the signature verifies with <paramref name="secret"/> (the reference implementation below).</summary>
    public bool VerifiesWith(string secret) =>
        Id is not null && Timestamp is not null && Signature is not null
        && StandardWebhooksReference.Verify(secret, Id, Timestamp, Body, Signature, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}

/// <summary>
/// A real HTTP receiver for webhooks on 127.0.0.1 (a <see cref="LoopbackReceiver"/>), which records every message and
/// answers what <see cref="Respond"/> says: a status, after as long as it likes.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private LoopbackReceiver? _server;

    private WebhookReceiver()
    {
    }

    /// <summary>What to answer a request (the number of requests before it is the second argument); 200 unless set.</summary>
    public Func<ReceivedWebhook, int, CancellationToken, Task<int>> Respond { get; set; } = (_, _, _) => Task.FromResult(200);

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var receiver = new WebhookReceiver();
        receiver._server = await LoopbackReceiver.StartAsync(receiver.HandleAsync);
        receiver.Url = new Uri(receiver._server.BaseAddress, "/hooks/scrapbook");
        return receiver;
    }

    /// <summary>Waits until a request matching <paramref name="match"/> has arrived, or fails after <paramref name="deadline"/>.</summary>
    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            try
            {
                await _arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No matching webhook within {deadline}; received: {string.Join(", ", _received.Select(r => $"{r.Type} {r.Id}"))}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _arrived.Dispose();
    }

    private async Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        var received = new ReceivedWebhook(
            request.Headers.GetValueOrDefault("webhook-id"), request.Headers.GetValueOrDefault("webhook-timestamp"), request.Headers.GetValueOrDefault("webhook-signature"),
            Encoding.UTF8.GetString(request.Body), context.Request.ContentType, DateTimeOffset.UtcNow);
        var before = _received.Count;
        _received.Enqueue(received);
        _arrived.Release();
        context.Response.StatusCode = await Respond(received, before, context.RequestAborted);
        await context.Response.WriteAsync($"answered {context.Response.StatusCode}", context.RequestAborted);
    }
}

/// <summary>
/// Standard Webhooks verification written from the specification, independently of the StandardWebhooks package the
/// sender uses: the secret is base64 after <c>whsec_</c>; the signed content is <c>{id}.{timestamp}.{body}</c>; the
/// header holds space-separated <c>v1,{base64 HMAC-SHA256}</c> entries, any one of which may match; a timestamp
/// outside the tolerance is refused, so a captured message cannot be replayed later.
/// </summary>
public static class StandardWebhooksReference
{
    public static bool Verify(string secret, string id, string timestamp, string body, string signatureHeader, DateTimeOffset now, TimeSpan tolerance)
    {
        const string prefix = "whsec_";
        var key = Convert.FromBase64String(secret.StartsWith(prefix, StringComparison.Ordinal) ? secret[prefix.Length..] : secret);
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"))));
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(',', 2);
            if (parts is ["v1", var signature] && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), expected))
            {
                return true;
            }
        }

        return false;
    }
}
