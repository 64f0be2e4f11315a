using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Bench.Soak;

/// <summary>The corpus every upload draws from, each made distinct by a JPEG comment (a new SHA-256, the same pixels).</summary>
internal sealed class Corpus(IReadOnlyList<byte[]> photos)
{
    private int _next;

    public int Count => photos.Count;

    public byte[] Next(string label)
    {
        var n = Interlocked.Increment(ref _next);
        return ScrapbookClient.WithJpegComment(photos[n % photos.Count], $"soak {label} {n} {Guid.NewGuid()}");
    }

    public static async Task<Corpus> LoadAsync(string? directory, string scratch, CancellationToken cancellationToken)
    {
        if (directory is not null)
        {
            var files = Directory.GetFiles(directory, "*.jpg").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
            {
                throw new InvalidOperationException($"No JPEGs in {directory}.");
            }

            return new Corpus(await Task.WhenAll(files.Select(f => File.ReadAllBytesAsync(f, cancellationToken))));
        }

        // Without a corpus (the CI version): a few small noise photos, quick to render on a shared machine.
        var made = new List<byte[]>();
        foreach (var (w, h, i) in new[] { (1600, 1200, 0), (1200, 1600, 1), (2000, 1500, 2) })
        {
            made.Add(await ScrapbookClient.MakeJpegAsync(Path.Combine(scratch, $"corpus-{i}.jpg"), w, h, cancellationToken));
        }

        return new Corpus(made);
    }
}

/// <summary>One person uploading: its own owner, its own address, one upload in flight, some edits and deletes.</summary>
internal sealed class Uploader(int number, Uri gateway, IPAddress address, Corpus corpus, Uri urlServer, Ledger ledger)
{
    /// <summary>Uploads not yet settled before the next is sent: the mix follows what the system can render.</summary>
    private const int MaxUnsettled = 3;

    private readonly Random _random = new(1000 + number);
    private readonly Dictionary<Guid, PhotoStatus> _own = [];
    private readonly HttpClient _http = new(LoopbackSource.Handler(address)) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
    private string? _token;

    public string Name { get; } = $"uploader {number}";

    public async Task RunAsync(CancellationToken driving)
    {
        var round = 0;
        while (!driving.IsCancellationRequested)
        {
            try
            {
                _token ??= await ScrapbookClient.NewOwnerTokenAsync(_http, driving);
                if (_own.Count(p => p.Value is PhotoStatus.Processing) >= MaxUnsettled)
                {
                    await RefreshAsync(driving);
                    await Task.Delay(300, driving);
                    continue;
                }

                round++;
                await (round % 6 == 0 ? UploadFromUrlAsync(driving) : UploadAsync(driving));
                if (round % 2 == 0)
                {
                    await EditCaptionAsync(driving);
                }

                if (round % 5 == 0)
                {
                    await DeleteOneAsync(driving);
                }
            }
            catch (OperationCanceledException) when (driving.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException)
            {
                // No answer: the gateway (or a service behind it) is down right now. Try again shortly.
                ledger.CountNoAnswer("uploader");
                await Task.Delay(250, CancellationToken.None);
            }
        }
    }

    private async Task UploadAsync(CancellationToken cancellationToken)
    {
        using var response = await ScrapbookClient.UploadAsync(_http, corpus.Next(Name), "image/jpeg", _token!, cancellationToken);
        await AcceptedAsync(response, "upload", cancellationToken);
    }

    private async Task UploadFromUrlAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/url")
        {
            Content = JsonContent.Create(new { url = new Uri(urlServer, $"/photos/{Guid.NewGuid():N}.jpg").ToString() }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _http.SendAsync(request, cancellationToken);
        await AcceptedAsync(response, "url-upload", cancellationToken);
    }

    private async Task AcceptedAsync(HttpResponseMessage response, string kind, CancellationToken cancellationToken)
    {
        ledger.Count(kind, (int)response.StatusCode);
        if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
        {
            var photo = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken);
            ledger.Accepted.TryAdd(photo!.Id, new AcceptedPhoto(photo.Id, _token!, kind));
            _own[photo.Id] = photo.Status;
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _own.Where(p => p.Value == PhotoStatus.Processing).Select(p => p.Key).ToList())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/photos/{id}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var response = await _http.SendAsync(request, cancellationToken);
            ledger.Count("status", (int)response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                _own[id] = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken))!.Status;
            }
        }
    }

    private async Task EditCaptionAsync(CancellationToken cancellationToken)
    {
        var ready = _own.Where(p => p.Value == PhotoStatus.Ready).Select(p => p.Key).ToList();
        if (ready.Count == 0)
        {
            return;
        }

        var id = ready[_random.Next(ready.Count)];
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/photos/{id}")
        {
            Content = new StringContent($$"""{"caption":"edited {{Guid.NewGuid():N}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _http.SendAsync(request, cancellationToken);
        ledger.Count("caption", (int)response.StatusCode);
    }

    private async Task DeleteOneAsync(CancellationToken cancellationToken)
    {
        var settled = _own.Where(p => p.Value != PhotoStatus.Processing).Select(p => p.Key).ToList();
        if (settled.Count == 0)
        {
            return;
        }

        var id = settled[_random.Next(settled.Count)];
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/photos/{id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        // Until an answer comes, the delete may or may not have happened (the gateway may die with it in flight).
        ledger.DeleteUnanswered.TryAdd(id, 0);
        using var response = await _http.SendAsync(request, cancellationToken);
        ledger.DeleteUnanswered.TryRemove(id, out _);
        ledger.Count("delete", (int)response.StatusCode);
        if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound)
        {
            ledger.Deleted.TryAdd(id, 0);
            _own.Remove(id);
        }
    }
}

/// <summary>One address sending small uploads as fast as it can, from several owners, for a while.</summary>
internal static class Flood
{
    public const string Client = "flood";

    /// <summary>Uploads in flight at once: enough to outrun the address limit even while a restarting Gallery.Api slows every answer.</summary>
    private const int Lanes = 32;

    /// <summary>
    /// Floods for <paramref name="length"/>, and on (up to four times as long) until the limit has answered 429 at least
    /// once: a flood that meets a slow system may not reach the limit in its first seconds, and the run should show it does.
    /// </summary>
    public static async Task RunAsync(Uri gateway, IPAddress address, Corpus small, TimeSpan length, Ledger ledger, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(LoopbackSource.Handler(address)) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        var tokens = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            tokens.Add(await ScrapbookClient.NewOwnerTokenAsync(http, cancellationToken));
        }

        var started = DateTime.UtcNow;
        var limited = 0;
        bool Going() => !cancellationToken.IsCancellationRequested
            && (DateTime.UtcNow < started + length || (Volatile.Read(ref limited) == 0 && DateTime.UtcNow < started + length * 4));
        await Task.WhenAll(Enumerable.Range(0, Lanes).Select(async lane =>
        {
            while (Going())
            {
                var token = tokens[lane % tokens.Count];
                try
                {
                    using var response = await ScrapbookClient.UploadAsync(http, small.Next(Client), "image/jpeg", token, cancellationToken);
                    ledger.Count(Client, (int)response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref limited);
                    }
                    else if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        var photo = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken);
                        ledger.Accepted.TryAdd(photo!.Id, new AcceptedPhoto(photo.Id, token, Client));
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    ledger.CountNoAnswer(Client);
                }
            }
        }));
    }
}
