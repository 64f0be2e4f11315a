using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Azure.Storage.Blobs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Bench.Soak;

/// <summary>One line of the soak's verdict: a correctness check (asserted in CI) or a figure (timings, memory: printed only).</summary>
public sealed record SoakCheck(string Name, bool Passed, string Detail, bool IsCorrectness = true);

public sealed record SoakReport(IReadOnlyList<SoakCheck> Checks, IReadOnlyList<string> Faults, IReadOnlyDictionary<string, int> Responses, TimeSpan Elapsed)
{
    public bool CorrectnessPassed => Checks.Where(c => c.IsCorrectness).All(c => c.Passed);

    public bool AllPassed => Checks.All(c => c.Passed);

    public string ToTable()
    {
        var width = Checks.Max(c => c.Name.Length);
        var lines = new List<string> { "faults injected:" };
        lines.AddRange(Faults.Select(f => "  " + f));
        lines.Add("responses seen by clients (client status: count):");
        lines.AddRange(Responses.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"  {r.Key}: {r.Value}"));
        lines.Add($"{"check".PadRight(width)}  result  detail");
        lines.AddRange(Checks.Select(c => $"{c.Name.PadRight(width)}  {(c.Passed ? "pass" : "FAIL"),-6}  {c.Detail}"));
        lines.Add($"soak {(AllPassed ? "passed" : CorrectnessPassed ? "passed its correctness checks; a figure is out of bounds" : "FAILED")} in {Elapsed.TotalMinutes:F1} min");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// The whole system started by its AppHost, driven with a mix of clients while faults are injected on a schedule; then
/// checked: nothing lost, nothing stuck, every public event seen once in order, no orphaned blob, no 500, nothing left running.
/// </summary>
public sealed class SoakRun(SoakOptions options)
{
    private static readonly string[] s_memoryResources = ["gateway", "upload-api-1", "upload-api-2", "gallery-api", "thumbnail-worker", "notify-api"];
    private readonly Ledger _ledger = new();

    public async Task<SoakReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.StartNew();
        var log = options.Log;
        using var scratch = new Scrapbook.Testing.TempDirectory("soak");
        var failpoints = Directory.CreateDirectory(Path.Combine(scratch.Path, "failpoints")).FullName;
        var corpus = await Corpus.LoadAsync(options.CorpusDirectory, scratch.Path, cancellationToken);
        var small = new Corpus([await ScrapbookClient.MakeJpegAsync(Path.Combine(scratch.Path, "small.jpg"), 320, 240, cancellationToken)]);
        log($"corpus: {corpus.Count} photos; starting the system");

        var system = new ScrapbookApp { Configure = builder => Configure(builder, failpoints) };
        var checks = new List<SoakCheck>();
        IReadOnlyList<ProcessTable.Entry> tree = [];
        try
        {
            await system.InitializeAsync();
            log($"system started in {started.Elapsed.TotalSeconds:F0} s; gateway {system.GatewayUrl}");
            // The gateway listens on localhost; clients bound to 127.0.0.x must reach it over IPv4.
            var gateway = new UriBuilder(system.GatewayUrl) { Host = "127.0.0.1" }.Uri;
            var workers = await system.GetProcessIdsAsync("thumbnail-worker", cancellationToken);
            tree = ProcessTable.TreeOf(ProcessTable.TopAncestor(workers.Values.First(), Environment.ProcessId));

            await using var urlServer = await LoopbackReceiver.StartAsync(async context =>
            {
                var body = corpus.Next("url");
                context.Response.ContentType = "image/jpeg";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            });

            var faults = new Faults(system, failpoints, small, options.FloodLength, _ledger, log);
            var memory = new MemorySampler(system, s_memoryResources, options.WarmUp);
            using var driving = new CancellationTokenSource(options.Duration);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            long lastPublic = -1; // the last public event's id, once the drive is over and it is known

            var uploaders = Enumerable.Range(0, options.Uploaders)
                .Select(i => new Uploader(i, gateway, LoopbackSource.Address(i), corpus, urlServer.BaseAddress, _ledger)).ToList();
            var followers = Enumerable.Range(0, options.Followers)
                .Select(i => new Follower(i, gateway, LoopbackSource.Address(100 + i), log)).ToList();
            var following = followers.Select(f => Task.Run(() => f.RunAsync(driving.Token, () => Interlocked.Read(ref lastPublic) is var last && last >= 0 ? last : null, stopping.Token))).ToList();
            var uploading = uploaders.Select(u => Task.Run(() => u.RunAsync(driving.Token))).ToList();
            var sampling = Task.Run(() => memory.RunAsync(stopping.Token));

            // The schedule: one fault after another, in the order given, round and round until the drive ends.
            var next = DateTime.UtcNow + options.FirstFault;
            for (var turn = 0; options.Faults.Count > 0; turn++)
            {
                var wait = next - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, driving.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                if (driving.IsCancellationRequested)
                {
                    break;
                }

                await faults.InjectAsync(options.Faults[turn % options.Faults.Count], cancellationToken);
                next += options.FaultInterval;
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, driving.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(uploading);
            log($"drive over after {options.Duration.TotalMinutes:F1} min: {_ledger.Accepted.Count} uploads accepted, {_ledger.Deleted.Count} deleted; settling");

            using var checker = new HttpClient(LoopbackSource.Handler(IPAddress.Parse("127.0.0.9"))) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
            var photos = await SettleAsync(checker, TimeSpan.FromMinutes(4), cancellationToken);
            checks.Add(CheckSettled(photos));
            checks.Add(await CheckDeletedAsync(checker, cancellationToken));
            checks.Add(await CheckRenditionsAsync(checker, photos, cancellationToken));

            var truth = await PublicEventsAsync(system, cancellationToken);
            Interlocked.Exchange(ref lastPublic, truth.Count > 0 ? truth[^1].Sequence : 0);
            var caughtUp = Task.WhenAll(following);
            if (await Task.WhenAny(caughtUp, Task.Delay(TimeSpan.FromMinutes(1), cancellationToken)) != caughtUp)
            {
                log("followers did not catch up within a minute");
            }

            await stopping.CancelAsync();
            await caughtUp.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            checks.AddRange(followers.Select(f => CheckFollower(f, truth)));
            checks.Add(await CheckSlowClientsAsync(faults.SlowClients));

            // Blobs: after the drive, no upload is in flight; anything without a photo must go within the grace period.
            await Task.Delay(options.CleanupGrace + options.CleanupInterval * 2, cancellationToken);
            checks.Add(await CheckBlobsAsync(system, cancellationToken));
            checks.Add(CheckNoServerErrors());
            checks.Add(CheckRateLimits());
            await sampling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            checks.AddRange(memory.Checks(options.Duration));
            tree = ProcessTable.TreeOf(ProcessTable.TopAncestor((await system.GetProcessIdsAsync("thumbnail-worker", cancellationToken)).Values.First(), Environment.ProcessId));
        }
        finally
        {
            await system.DisposeAsync();
        }

        checks.Add(await CheckNothingLeftAsync(tree));
        return new SoakReport(checks, [.. _ledger.FaultLog], _ledger.Responses.ToDictionary(), started.Elapsed);
    }

    private void Configure(IDistributedApplicationTestingBuilder builder, string failpoints)
    {
        // The services' own logs stay in the dashboard; this console shows the AppHost's warnings (crashes, restarts) and the soak's lines.
        builder.Services.AddLogging(logging => logging.AddFilter("Scrapbook.AppHost.Resources", LogLevel.Warning).AddFilter("Aspire.Hosting", LogLevel.Warning));
        builder.CreateResourceBuilder<ProjectResource>("gallery-api")
            .WithEnvironment(Scrapbook.ServiceDefaults.Failpoints.EnvironmentVariable, failpoints)
            .WithEnvironment("Cleanup__GracePeriod", options.CleanupGrace.ToString("c", CultureInfo.InvariantCulture))
            .WithEnvironment("Cleanup__Interval", options.CleanupInterval.ToString("c", CultureInfo.InvariantCulture));
        // A killed worker's jobs come back after 8 s rather than the default lock.
        builder.CreateResourceBuilder<ProjectResource>("thumbnail-worker").WithEnvironment("Worker__VisibilityTimeout", "00:00:08");
        foreach (var replica in new[] { "upload-api-1", "upload-api-2" })
        {
            builder.CreateResourceBuilder<ProjectResource>(replica).WithEnvironment("UrlFetch__AllowLoopbackForTesting", "true");
        }

        // Per address: low enough that the flood meets it in seconds; per owner: out of the way of the normal uploaders.
        builder.CreateResourceBuilder<ProjectResource>("gateway")
            .WithEnvironment("Gateway__UploadRateLimit__ClientAddressPermitLimit", "120")
            .WithEnvironment("Gateway__UploadRateLimit__PermitLimit", "600");
    }

    /// <summary>What the checker last saw of a photo: the photo, or the status it was answered with (0: no answer).</summary>
    private sealed record Seen(PhotoDto? Photo, int Status)
    {
        public bool Settled => Photo?.Status is PhotoStatus.Ready or PhotoStatus.Failed;
    }

    /// <summary>Polls every accepted, undeleted photo until it is ready or failed, or the deadline passes; returns the last state of each.</summary>
    private async Task<Dictionary<Guid, Seen>> SettleAsync(HttpClient http, TimeSpan patience, CancellationToken cancellationToken)
    {
        var states = new Dictionary<Guid, Seen>();
        var deadline = DateTime.UtcNow + patience;
        var pending = _ledger.Accepted.Values.Where(p => !_ledger.Deleted.ContainsKey(p.Id)).ToList();
        while (pending.Count > 0)
        {
            var still = new List<AcceptedPhoto>();
            foreach (var photo in pending)
            {
                var seen = await GetPhotoAsync(http, photo, cancellationToken);
                if (seen.Status == 404 && _ledger.DeleteUnanswered.ContainsKey(photo.Id))
                {
                    // Its delete went through; the answer was lost with a killed gateway.
                    _ledger.Deleted.TryAdd(photo.Id, 0);
                    states.Remove(photo.Id);
                    continue;
                }

                states[photo.Id] = seen;
                if (!seen.Settled)
                {
                    still.Add(photo);
                }
            }

            pending = still;
            if (pending.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(1000, cancellationToken);
        }

        return states;
    }

    private static async Task<Seen> GetPhotoAsync(HttpClient http, AcceptedPhoto photo, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/photos/{photo.Id}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", photo.OwnerToken);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return new Seen(
                response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken) : null,
                (int)response.StatusCode);
        }
        catch (HttpRequestException)
        {
            return new Seen(null, 0);
        }
    }

    private SoakCheck CheckSettled(Dictionary<Guid, Seen> photos)
    {
        var ready = photos.Values.Count(p => p.Photo?.Status == PhotoStatus.Ready);
        var failed = photos.Values.Where(p => p.Photo?.Status == PhotoStatus.Failed).Select(p => p.Photo!).ToList();
        var stuck = photos.Where(p => !p.Value.Settled).ToList();
        var unexplained = failed.Count(p => string.IsNullOrWhiteSpace(p.FailureReason));
        var reasons = string.Join("; ", failed.GroupBy(p => p.FailureReason).Select(g => $"{g.Count()}× \"{g.Key}\""));
        var detail = $"{photos.Count} accepted and kept: {ready} ready, {failed.Count} failed{(failed.Count > 0 ? $" ({reasons})" : "")}, {stuck.Count} stuck"
            + (stuck.Count > 0 ? $" ({string.Join(", ", stuck.Take(5).Select(s => $"{s.Key}: {s.Value.Photo?.Status.ToString() ?? $"answered {s.Value.Status}"}"))})" : "");
        return new SoakCheck("every accepted upload is ready or failed with a reason", stuck.Count == 0 && unexplained == 0 && photos.Count > 0, detail);
    }

    private async Task<SoakCheck> CheckDeletedAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var stillThere = 0;
        foreach (var id in _ledger.Deleted.Keys)
        {
            if (_ledger.Accepted.TryGetValue(id, out var photo) && (await GetPhotoAsync(http, photo, cancellationToken)).Status != 404)
            {
                stillThere++;
            }
        }

        return new SoakCheck("deleted photos stay deleted", stillThere == 0, $"{_ledger.Deleted.Count} deleted, {stillThere} still answer");
    }

    private static async Task<SoakCheck> CheckRenditionsAsync(HttpClient http, Dictionary<Guid, Seen> photos, CancellationToken cancellationToken)
    {
        var checkedCount = 0;
        var missing = new List<string>();
        foreach (var photo in photos.Values.Select(p => p.Photo).Where(p => p?.Status == PhotoStatus.Ready))
        {
            foreach (var url in new[] { photo!.Urls.Thumb, photo.Urls.Small, photo.Urls.Large })
            {
                checkedCount++;
                using var response = url is null ? null : await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response is not { StatusCode: HttpStatusCode.OK, Content.Headers.ContentLength: > 0 })
                {
                    missing.Add($"{photo.Id} {url ?? "(no url)"} {(int?)response?.StatusCode}");
                }
            }
        }

        return new SoakCheck("renditions served for every ready photo", missing.Count == 0,
            $"{checkedCount} renditions fetched through the gateway, {missing.Count} missing{(missing.Count > 0 ? ": " + string.Join("; ", missing.Take(5)) : "")}");
    }

    /// <summary>One public event as Gallery.Api's outbox numbered it, with the photo it is about (if any).</summary>
    private sealed record PublicEvent(long Sequence, string Type, Guid? PhotoId);

    /// <summary>The public events, in order, as Gallery.Api's outbox numbered them (what every wall should see).</summary>
    private static async Task<List<PublicEvent>> PublicEventsAsync(ScrapbookApp system, CancellationToken cancellationToken)
    {
        using var gallery = new HttpClient { BaseAddress = system.App.GetEndpoint("gallery-api", "http") };
        var events = new List<PublicEvent>();
        long after = 0;
        while (true)
        {
            var page = await gallery.GetFromJsonAsync($"/internal/events?after={after}&limit=1000", ContractsJsonContext.Default.IReadOnlyListEventEnvelope, cancellationToken);
            if (page is null || page.Count == 0)
            {
                return events;
            }

            events.AddRange(page.Where(e => e.OwnerId is null && e.AlbumId is null).Select(e => new PublicEvent(e.Sequence, e.Type, PhotoIdOf(e.Data))));
            after = page[^1].Sequence;
        }
    }

    private static Guid? PhotoIdOf(string data)
    {
        using var json = System.Text.Json.JsonDocument.Parse(data);
        return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && json.RootElement.TryGetProperty("id", out var id) && id.TryGetGuid(out var guid) ? guid : null;
    }

    private static SoakCheck CheckFollower(Follower follower, List<PublicEvent> truth)
    {
        var duplicates = follower.Seen.Count - follower.Seen.Distinct().Count();
        var outOfOrder = follower.Seen.Zip(follower.Seen.Skip(1)).Count(p => p.Second <= p.First);
        var seen = follower.Seen.ToHashSet();
        var known = truth.Select(e => e.Sequence).ToHashSet();
        var unknown = seen.Count(s => !known.Contains(s));
        var missed = 0;
        var notReloaded = 0;
        foreach (var e in truth.Where(e => !seen.Contains(e.Sequence)))
        {
            // After a reset, what came before the follower's next event is the reload's to show: a photo made ready
            // then and not deleted later must be on the reloaded wall.
            var reset = follower.Resets.FirstOrDefault(r => e.Sequence > r.After && !follower.Seen.Any(s => s > r.After && s < e.Sequence));
            if (reset.Reloaded is null)
            {
                missed++;
            }
            else if (e.Type == EventTypes.PhotoReady && e.PhotoId is { } id && !reset.Reloaded.Contains(id)
                && !truth.Any(later => later.Sequence > e.Sequence && later.PhotoId == id && later.Type == EventTypes.PhotoDeleted))
            {
                notReloaded++;
            }
        }

        return new SoakCheck($"{follower.Name} saw every public event once, in order",
            duplicates == 0 && outOfOrder == 0 && missed == 0 && notReloaded == 0 && unknown == 0 && truth.Count > 0,
            $"{follower.Seen.Count} of {truth.Count} events over {follower.Connections} connections ({follower.FailedConnects} refused); "
            + $"{duplicates} duplicated, {outOfOrder} out of order, {missed} missed, {unknown} not public, {follower.Resets.Count} resets"
            + (follower.Resets.Count > 0 ? $" ({notReloaded} photos missing from the reload)" : ""));
    }

    private static async Task<SoakCheck> CheckSlowClientsAsync(List<SseConnection> slow)
    {
        var cut = 0;
        foreach (var client in slow)
        {
            client.StartReading();
            try
            {
                await client.ReadToEndAsync(TimeSpan.FromSeconds(10));
                cut++;
            }
            catch (TimeoutException)
            {
                // Still connected: the server kept up with it (it fell less than a buffer behind).
            }

            await client.DisposeAsync();
        }

        return new SoakCheck("slow SSE clients did not hold the others back", true,
            $"{slow.Count} clients that read nothing; {cut} cut off by the server, {slow.Count - cut} still served; the followers' checks above show the others", IsCorrectness: false);
    }

    private async Task<SoakCheck> CheckBlobsAsync(ScrapbookApp system, CancellationToken cancellationToken)
    {
        var database = Directory.GetFiles(system.DataDirectory, "gallerydb.db", SearchOption.AllDirectories).Single();
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using (var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly"))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT sha256 FROM photos";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                known.Add(reader.GetString(0));
            }
        }

        var blobs = new BlobServiceClient(await system.App.GetConnectionStringAsync("blobs", cancellationToken));
        var total = 0;
        var orphans = new List<string>();
        await foreach (var container in blobs.GetBlobContainersAsync(cancellationToken: cancellationToken))
        {
            await foreach (var blob in blobs.GetBlobContainerClient(container.Name).GetBlobsAsync(cancellationToken: cancellationToken))
            {
                total++;
                var parts = blob.Name.Split('/');
                if (parts is ["originals" or "renditions", var sha, ..] && !known.Contains(sha))
                {
                    orphans.Add(blob.Name);
                }
            }
        }

        return new SoakCheck($"no blob without a photo {(options.CleanupGrace + options.CleanupInterval * 2).TotalSeconds:F0} s after the drive", orphans.Count == 0,
            $"{total} blobs for {known.Count} contents; {orphans.Count} without a photo{(orphans.Count > 0 ? ": " + string.Join(", ", orphans.Take(5)) : "")}");
    }

    private SoakCheck CheckNoServerErrors()
    {
        var errors = _ledger.Responses.Where(r => r.Key.EndsWith(" 500", StringComparison.Ordinal)).Sum(r => r.Value);
        var otherFaults = _ledger.Responses.Where(r => r.Key.Split(' ')[^1] is "502" or "503" or "504").Sum(r => r.Value);
        return new SoakCheck("no 500 answered", errors == 0, $"{errors} × 500; {otherFaults} × 502/503/504 while a process was down (table above)");
    }

    private SoakCheck CheckRateLimits()
    {
        var flooded = _ledger.CountOf(k => k == $"{Flood.Client} 429");
        var others = _ledger.CountOf(k => !k.StartsWith(Flood.Client + " ", StringComparison.Ordinal) && k.EndsWith(" 429", StringComparison.Ordinal));
        var floodRan = _ledger.CountOf(k => k.StartsWith(Flood.Client + " ", StringComparison.Ordinal)) > 0;
        return new SoakCheck("only the flooding address was rate limited", others == 0 && (!floodRan || flooded > 0),
            floodRan ? $"flood: {flooded} × 429; everyone else: {others} × 429" : $"no flood in this run; {others} × 429");
    }

    private static async Task<SoakCheck> CheckNothingLeftAsync(IReadOnlyList<ProcessTable.Entry> tree)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (tree.Any(ProcessTable.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        var left = tree.Where(ProcessTable.IsAlive).ToList();
        return new SoakCheck("no process left after stop", left.Count == 0 && tree.Count > 0,
            $"{tree.Count} processes in the AppHost's tree at the end; {left.Count} still running{(left.Count > 0 ? ": " + string.Join(", ", left.Select(p => $"{p.Command} ({p.Pid})")) : "")}");
    }
}
