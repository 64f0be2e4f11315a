using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Scrapbook.Client.Models;

namespace Scrapbook.Client;

/// <summary>One event of <c>GET /api/events</c>: its type (<c>photo.ready</c> …), its id to resume from, and its data.</summary>
public sealed record ScrapbookEvent(string Type, string? Id, string Data)
{
    /// <summary>The photo the event is about, for the <c>photo.*</c> events that carry one; null otherwise.</summary>
    public PhotoDto? Photo { get; init; }
}

/// <summary>The site's live events as an <see cref="IAsyncEnumerable{T}"/>, parsed with .NET's <see cref="SseParser"/>.</summary>
public static class EventStream
{
    /// <summary>
    /// Follows the event stream until <paramref name="cancellationToken"/> is cancelled or the site ends it. With
    /// <paramref name="lastEventId"/> the site first sends what was missed since (or an event of type <c>reset</c> when it
    /// no longer knows); with <paramref name="ownerToken"/> the owner's own photos' events come too. Heartbeats are skipped.
    /// </summary>
    public static async IAsyncEnumerable<ScrapbookEvent> ReadAsync(
        HttpClient http, string? ownerToken = null, string? lastEventId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (ownerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
        }

        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            var photo = item.EventType.StartsWith("photo.", StringComparison.Ordinal) && item.Data.StartsWith('{')
                ? await JsonModels.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(item.Data)), PhotoDto.CreateFromDiscriminatorValue, cancellationToken).ConfigureAwait(false)
                : null;
            yield return new ScrapbookEvent(item.EventType, item.EventId, item.Data) { Photo = photo };
        }
    }
}
