using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;

namespace Scrapbook.Bench.GalleryDb;

/// <summary>
/// Registrations per second through the real Gallery.Api (in-process, <c>POST /internal/photos</c> over its test
/// server) on a real PostgreSQL, with 1, 4 and 16 concurrent writers. Each registration is one write transaction:
/// a photos row and its thumbnail job in the outbox. The relay is off, so only the writers are measured.
/// </summary>
/// <remarks>
/// An explicit Main rather than top-level statements: those would declare a <c>Program</c> of this assembly,
/// hiding Gallery.Api's, which <see cref="GalleryHost"/> starts.
/// </remarks>
internal static class GalleryDbBench
{
    private const int Rounds = 3;
    private const int WarmUp = 200;
    private static readonly int[] s_writers = [1, 4, 16];

    public static async Task Main(string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(14));
        var cancellationToken = timeout.Token;
        if (args is ["albums", ..])
        {
            await AlbumPagesBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000, cancellationToken);
            return;
        }

        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;

        await using var postgres = new PostgresServer();
        await using var redis = new RedisServer();
        await using var azurite = new AzuriteServer();
        await Task.WhenAll(postgres.InitializeAsync().AsTask(), redis.InitializeAsync().AsTask(), azurite.InitializeAsync().AsTask());
        await using var gallery = new GalleryHost(new Dictionary<string, string?>
        {
            ["ConnectionStrings:gallerydb"] = await postgres.CreateDatabaseAsync(cancellationToken: cancellationToken),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:blobs"] = azurite.ConnectionString,
            ["ConnectionStrings:queues"] = azurite.ConnectionString,
            ["Outbox:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Error",
        });
        using var client = gallery.CreateClient();
        var ownerId = OwnerToken.ComputeHash(OwnerToken.Create())!;

        // Connections, JIT and the database's caches warm before anything is timed.
        await MeasureAsync(client, ownerId, s_writers[^1], WarmUp, cancellationToken);

        // Rounds go through every level in turn, so background load on a shared machine hits all alike; medians reported.
        var rates = s_writers.ToDictionary(writers => writers, _ => new List<double>());
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var writers in s_writers)
            {
                rates[writers].Add(await MeasureAsync(client, ownerId, writers, count, cancellationToken));
            }
        }

        Console.WriteLine($"Gallery.Api registrations on PostgreSQL (TestSupport's: fsync and synchronous_commit off), {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"{count} registrations per measurement, median of {Rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("| Writers | writes/s | vs 1 writer |");
        Console.WriteLine("|---:|---:|---:|");
        var single = Median(rates[1]);
        foreach (var writers in s_writers)
        {
            var rate = Median(rates[writers]);
            Console.WriteLine($"| {writers} | {rate:0} | {rate / single:0.00} |");
        }
    }

    private static async Task<double> MeasureAsync(HttpClient client, string ownerId, int writers, int count, CancellationToken cancellationToken)
    {
        var remaining = count;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(
            async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    var request = new RegisterPhotoRequest(ownerId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), "jpeg", 12_345, 4000, 3000, null, null);
                    using var response = await client.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"register answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                    }
                }
            },
            cancellationToken)));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
