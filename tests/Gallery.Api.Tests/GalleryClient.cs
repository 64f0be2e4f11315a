using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>An owner: a token as Upload.Api issues it, and the owner id Gallery.Api stores for it.</summary>
public sealed record Owner(string Token, string Id)
{
    public static Owner New()
    {
        var token = OwnerToken.Create();
        return new Owner(token, OwnerToken.ComputeHash(token)!);
    }
}

/// <summary>Calls Gallery.Api as its peers and clients do, and reads what it sent to Redis and the queue.</summary>
public static class GalleryCalls
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static string NewSha256() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static HttpRequestMessage As(this HttpRequestMessage request, Owner? owner = null, string? adminKey = null)
    {
        if (owner is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        }

        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        return request;
    }

    public static RegisterPhotoRequest Registration(Owner owner, string? sha256 = null, string? caption = null) =>
        new(owner.Id, sha256 ?? NewSha256(), "jpeg", 12_345, 4000, 3000, caption, "Ada");

    public static async Task<(HttpStatusCode Status, PhotoDto Photo)> RegisterAsync(this HttpClient client, RegisterPhotoRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await client.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"register answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken))!);
    }

    public static RenditionsCompletedRequest Renditions(string sha256) => new(
        [
            new RenditionDto("thumb", BlobKeys.Rendition(sha256, "thumb", "webp"), "image/webp", 256, 256, 1000),
            new RenditionDto("small", BlobKeys.Rendition(sha256, "small", "webp"), "image/webp", 640, 480, 5000),
            new RenditionDto("large", BlobKeys.Rendition(sha256, "large", "webp"), "image/webp", 1600, 1200, 20000),
        ],
        3000,
        4000,
        "3OcRJYB4d3h/iIeHeEh3eIhw+j2w");

    public static async Task<PhotoDto> CompleteAsync(this HttpClient client, Guid id, string sha256, CancellationToken cancellationToken = default)
    {
        using var response = await client.PostAsJsonAsync($"/internal/photos/{id}/renditions", Renditions(sha256), ContractsJsonContext.Default.RenditionsCompletedRequest, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken))!;
    }

    /// <summary>Registers a photo for <paramref name="owner"/> and completes its renditions.</summary>
    public static async Task<(PhotoDto Photo, string Sha256)> AddReadyPhotoAsync(this HttpClient client, Owner owner, CancellationToken cancellationToken = default)
    {
        var sha = NewSha256();
        var (_, photo) = await client.RegisterAsync(Registration(owner, sha), cancellationToken);
        return (await client.CompleteAsync(photo.Id, sha, cancellationToken), sha);
    }

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string uri, Owner? owner = null, string? adminKey = null, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content }.As(owner, adminKey);
        return await client.SendAsync(request, cancellationToken);
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken = default)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (await response.Content.ReadFromJsonAsync(type, cancellationToken))!;
    }

    /// <summary>Asserts an RFC 9457 answer with the given status and <c>type</c>.</summary>
    public static async Task AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string type, CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(type, json.RootElement.GetProperty("type").GetString());
    }

    /// <summary>Stream entries that concern one photo (its id appears in the event data), polled until <paramref name="until"/> holds.</summary>
    public static Task<IReadOnlyList<StreamedEvent>> WaitForEventsAsync(this IDatabase redis, Guid photoId, Func<IReadOnlyList<StreamedEvent>, bool> until, CancellationToken cancellationToken = default) =>
        redis.WaitForStreamAsync(e => e["data"]?.Contains(photoId.ToString(), StringComparison.Ordinal) == true, until, cancellationToken);

    /// <summary>The stream entries that <paramref name="match"/>, polled until <paramref name="until"/> holds for them.</summary>
    public static async Task<IReadOnlyList<StreamedEvent>> WaitForStreamAsync(this IDatabase redis, Func<StreamedEvent, bool> match, Func<IReadOnlyList<StreamedEvent>, bool> until, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            List<StreamedEvent> entries = [];
            try
            {
                entries = [.. (await redis.StreamRangeAsync(Channels.EventStream)).Select(StreamedEvent.From).Where(match)];
                if (until(entries))
                {
                    return entries;
                }
            }
            catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException && DateTime.UtcNow < deadline)
            {
                // The client reconnects in the background after a Redis restart; keep polling.
            }

            Assert.True(DateTime.UtcNow < deadline, $"The stream never showed the expected events; matching entries: {string.Join(", ", entries.Select(e => $"{e.Id} {e["type"]}"))}");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Receives from the queue until the job for <paramref name="photoId"/> arrives (other jobs are deleted).</summary>
    public static async Task<ThumbnailJob> WaitForJobAsync(this IJobQueue queue, Guid photoId, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            foreach (var message in await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30), TimeSpan.Zero, cancellationToken))
            {
                var job = JsonSerializer.Deserialize(message.Body.ToString(), ContractsJsonContext.Default.ThumbnailJob)!;
                await queue.CompleteAsync(message, cancellationToken);
                if (job.PhotoId == photoId)
                {
                    return job;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No job for {photoId} reached the queue.");
            await Task.Delay(50, cancellationToken);
        }
    }
}

/// <summary>A stream entry as the tests read it: its id and its fields as text.</summary>
public sealed record StreamedEvent(string Id, IReadOnlyDictionary<string, string> Fields)
{
    public string? this[string field] => Fields.GetValueOrDefault(field);

    public static StreamedEvent From(StreamEntry entry) =>
        new(entry.Id.ToString(), entry.Values.ToDictionary(value => value.Name.ToString(), value => value.Value.ToString()));
}
