using System.Globalization;
using Scrapbook.Contracts;

namespace Scrapbook.Notify.Api.Events;

/// <summary>Gallery.Api's <c>GET /internal/events?after=&amp;limit=</c>: the outbox, for replays the stream can no longer serve.</summary>
internal sealed class GalleryEventsClient(HttpClient http)
{
    public const string BaseAddress = $"http://{NotifyApiSettings.Gallery}";

    public async Task<IReadOnlyList<EventEnvelope>> ListAfterAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        var uri = string.Create(CultureInfo.InvariantCulture, $"/internal/events?after={after}&limit={limit}");
        var events = await http.GetFromJsonAsync(uri, ContractsJsonContext.Default.IReadOnlyListEventEnvelope, cancellationToken);
        return events ?? [];
    }
}
