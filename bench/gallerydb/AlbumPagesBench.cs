using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;

namespace Scrapbook.Bench.GalleryDb;

/// <summary>
/// How long a page of a big album takes through the real Gallery.Api (in-process, over its test server) on SQLite and
/// on PostgreSQL: the first and the last page of a <c>photos</c>-photo album, newest first and in the owner's order,
/// against the same pages of the owner's photo list (<c>/api/me/photos</c>), the keyset list albums are built like.
/// The album is filled the way uploads fill it: each registration names the album.
/// </summary>
internal static class AlbumPagesBench
{
    private const int PageSize = 24;
    private const int Requests = 300;
    private const int WarmUp = 50;
    private const int Writers = 8;

    public static async Task RunAsync(int photos, CancellationToken cancellationToken)
    {
        await using var postgres = new PostgresServer();
        await using var redis = new RedisServer();
        await using var azurite = new AzuriteServer();
        using var sqliteFolder = new TempDirectory("album-bench");
        await Task.WhenAll(postgres.InitializeAsync().AsTask(), redis.InitializeAsync().AsTask(), azurite.InitializeAsync().AsTask());

        Console.WriteLine($"Album pages through Gallery.Api in-process, {photos} photos in one album, {PageSize} a page; {Requests} requests per row after {WarmUp} unmeasured;");
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}. Times in ms (p50 / p95 / max); ratio = album p95 / my-photos p95 for the same page.");
        Console.WriteLine();
        Console.WriteLine("| Engine | Page | Album, newest first | Album, owner's order | My photos (peer) | Ratio newest / own order |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (engine, database) in new[]
        {
            ("SQLite", $"Data Source={Path.Combine(sqliteFolder.Path, "gallery.db")}"),
            ("PostgreSQL", await postgres.CreateDatabaseAsync(cancellationToken: cancellationToken)),
        })
        {
            await using var gallery = new GalleryHost(new Dictionary<string, string?>
            {
                ["ConnectionStrings:gallerydb"] = database,
                ["ConnectionStrings:redis"] = redis.ConnectionString,
                ["ConnectionStrings:blobs"] = azurite.ConnectionString,
                ["ConnectionStrings:queues"] = azurite.ConnectionString,
                ["Outbox:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Error",
            });
            using var client = gallery.CreateClient();
            var token = OwnerToken.Create();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var album = await CreateAlbumAsync(client, cancellationToken);
            var filling = Stopwatch.StartNew();
            await FillAsync(client, OwnerToken.ComputeHash(token)!, album, photos, cancellationToken);
            Console.Error.WriteLine($"{engine}: {photos} registrations into the album in {filling.Elapsed.TotalSeconds:0} s");
            await AnalyzeAsync(database, cancellationToken);

            var newest = await MeasurePagesAsync(client, $"/api/albums/{album}/photos", cancellationToken);
            var mine = await MeasurePagesAsync(client, "/api/me/photos", cancellationToken);
            await SwitchToOwnOrderAsync(client, album, cancellationToken);
            var own = await MeasurePagesAsync(client, $"/api/albums/{album}/photos", cancellationToken);
            foreach (var page in new[] { "first", "last" })
            {
                Console.WriteLine($"| {engine} | {page} | {newest[page]} | {own[page]} | {mine[page]} | {newest[page].P95 / mine[page].P95:0.00} / {own[page].P95 / mine[page].P95:0.00} |");
            }
        }
    }

    /// <summary>
    /// Fresh statistics, as autovacuum would gather within a minute of a load this size: measured straight after it,
    /// PostgreSQL's planner would still think the tables empty. SQLite plans from its indexes alone.
    /// </summary>
    private static async Task AnalyzeAsync(string database, CancellationToken cancellationToken)
    {
        if (database.StartsWith("Data Source=", StringComparison.Ordinal))
        {
            return;
        }

        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync(cancellationToken);
        await using var analyze = new Npgsql.NpgsqlCommand("ANALYZE", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Guid> CreateAlbumAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync("/api/albums", new AlbumCreateRequest("Ten thousand"), ContractsJsonContext.Default.AlbumCreateRequest, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, cancellationToken))!.Id;
    }

    private static async Task FillAsync(HttpClient client, string ownerId, Guid album, int photos, CancellationToken cancellationToken)
    {
        var remaining = photos;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(
            async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    var request = new RegisterPhotoRequest(ownerId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), "jpeg", 12_345, 4000, 3000, null, null, album);
                    using var response = await client.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"register answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                }
            },
            cancellationToken)));
    }

    /// <summary>Moving the newest photo to the front renumbers the whole album into the owner's order.</summary>
    private static async Task SwitchToOwnOrderAsync(HttpClient client, Guid album, CancellationToken cancellationToken)
    {
        var first = (await client.GetFromJsonAsync($"/api/albums/{album}/photos?limit=1", ContractsJsonContext.Default.PhotoPage, cancellationToken))!.Items[0];
        var moving = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync($"/api/albums/{album}/photos/{first.Id}/move", new AlbumMoveRequest(null), ContractsJsonContext.Default.AlbumMoveRequest, cancellationToken);
        response.EnsureSuccessStatusCode();
        Console.Error.WriteLine($"first move (renumbers the album): {moving.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>The first page, and the last one (found by walking the list once with the largest page).</summary>
    private static async Task<Dictionary<string, Timing>> MeasurePagesAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        string? cursor = null;
        string? lastCursor = null;
        do
        {
            var page = (await client.GetFromJsonAsync($"{path}?limit=100{(cursor is null ? "" : "&cursor=" + cursor)}", ContractsJsonContext.Default.PhotoPage, cancellationToken))!;
            lastCursor = cursor ?? lastCursor;
            cursor = page.NextCursor;
            if (page.Items.Count < 100)
            {
                break;
            }
        }
        while (cursor is not null);

        return new Dictionary<string, Timing>
        {
            ["first"] = await TimeAsync(client, $"{path}?limit={PageSize}", cancellationToken),
            ["last"] = await TimeAsync(client, $"{path}?limit={PageSize}&cursor={lastCursor}", cancellationToken),
        };
    }

    private static async Task<Timing> TimeAsync(HttpClient client, string uri, CancellationToken cancellationToken)
    {
        var samples = new List<double>(Requests);
        for (var i = 0; i < WarmUp + Requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(uri, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            response.EnsureSuccessStatusCode();
            if (i >= WarmUp)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        samples.Sort();
        return new Timing(samples[samples.Count / 2], samples[(int)Math.Ceiling(samples.Count * 0.95) - 1], samples[^1]);
    }

    private sealed record Timing(double P50, double P95, double Max)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{P50:0.0} / {P95:0.0} / {Max:0.0}");
    }
}
