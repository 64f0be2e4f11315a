using Microsoft.Extensions.Options;
using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>
/// The sequence an outbox row is published under (stream id, SSE event id, replay cursor): given by the relay once
/// the row has committed, never below one given before. Run once per SQL engine by the sealed subclasses below.
/// </summary>
public abstract class OutboxSequenceTests(GalleryFixture fixture)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected GalleryFixture Fixture => fixture;

    [Fact]
    public async Task AnExistingDatabaseKeepsItsSequencesAndNewRowsContinueAboveTheHighestEverGiven()
    {
        var database = new GalleryDatabase(await fixture.CreateDatabaseAsync(Ct));
        var initial = DatabaseMigrator.Load(fixture.Engine).Single(m => m.Version == 1);
        await using (var connection = await database.OpenAsync(Ct))
        {
            // A database as the first version left it: its schema, its history, and rows numbered as they were
            // inserted. 1 to 3 sent, 4 not yet, 5 and 6 sent and pruned since.
            await connection.ExecuteAsync(initial.Sql);
            await connection.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, 'earlier')", initial);
            for (var i = 1; i <= 6; i++)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO outbox (kind, type, payload, created_at) VALUES ('event', @type, '{}', @now)", new { type = $"old.{i}", now = DateTimeOffset.UtcNow });
            }

            await connection.ExecuteAsync("UPDATE outbox SET sent_at = @now WHERE sequence <> 4", new { now = DateTimeOffset.UtcNow });
            await connection.ExecuteAsync("DELETE FROM outbox WHERE sequence >= 5");
        }

        var applied = await new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Ct);
        var store = Store(database);
        var replayed = await store.ListEventsAsync(after: 0, limit: 100, Ct);
        await store.UpdateSettingsAsync(new SettingsDto(true, "pre"), Ct);
        var unsent = await store.ListUnsentAsync(100, Ct);

        Assert.Equal(DatabaseMigrator.Load(fixture.Engine).Count - 1, applied);
        Assert.Equal([(1L, "old.1"), (2L, "old.2"), (3L, "old.3"), (4L, "old.4")], replayed.Select(e => (e.Sequence, e.Type)));
        Assert.Equal([(4L, "old.4"), (7L, EventTypes.SettingsChanged)], unsent.Select(r => (r.Sequence, r.Type)));
    }

    [Fact]
    public async Task AnEventIsReplayedAsSoonAsItCommitsEvenBeforeTheRelayComesRound()
    {
        var store = Store(await MigratedDatabaseAsync());

        await store.UpdateSettingsAsync(new SettingsDto(false, "off"), Ct);
        var replayed = await store.ListEventsAsync(after: 0, limit: 100, Ct);

        var settingsChanged = Assert.Single(replayed);
        Assert.Equal((1L, EventTypes.SettingsChanged), (settingsChanged.Sequence, settingsChanged.Type));
        Assert.Equal([1L], (await store.ListUnsentAsync(100, Ct)).Select(r => r.Sequence));
    }

    [Fact]
    public async Task RelaysOfSeveralReplicasNumberingAtOnceGiveEveryRowOneSequenceWithoutGaps()
    {
        var database = await MigratedDatabaseAsync();
        var owner = Owner.New();

        var writers = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
            async () =>
            {
                var store = Store(database);
                for (var i = 0; i < 10; i++)
                {
                    await store.RegisterAsync(GalleryCalls.Registration(owner), Ct);
                }
            },
            Ct)));
        var relays = Enumerable.Range(0, 3).Select(_ => Task.Run(
            async () =>
            {
                // Small batches, so that numbering runs often and the relays meet.
                var store = Store(database);
                while (!writers.IsCompleted)
                {
                    await store.ListUnsentAsync(3, Ct);
                }
            },
            Ct)).ToList();
        await writers;
        await Task.WhenAll(relays);
        var unsent = await Store(database).ListUnsentAsync(1000, Ct);

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), unsent.Select(r => r.Sequence));
        await using var connection = await database.OpenAsync(Ct);
        Assert.Equal(40, await connection.ExecuteScalarAsync<long>("SELECT sequence FROM outbox_head"));
    }

    private async Task<GalleryDatabase> MigratedDatabaseAsync()
    {
        var database = new GalleryDatabase(await fixture.CreateDatabaseAsync(Ct));
        await new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Ct);
        return database;
    }

    private static PhotoStore Store(GalleryDatabase database) =>
        new(database, new OutboxWriter(new OutboxSignal(), TimeProvider.System), TimeProvider.System, Options.Create(new QuotaOptions()));
}

[Collection("sqlite")]
public sealed class SqliteOutboxSequenceTests(SqliteGalleryFixture fixture) : OutboxSequenceTests(fixture), IClassFixture<SqliteGalleryFixture>;

/// <summary>What only PostgreSQL can show: writers that overlap, since its writers no longer take turns.</summary>
[Collection("postgres")]
public sealed class PostgresOutboxSequenceTests(PostgresGalleryFixture fixture) : OutboxSequenceTests(fixture), IClassFixture<PostgresGalleryFixture>
{
    private GalleryApp App => Fixture.App;

    private GalleryDatabase Database => App.Services.GetRequiredService<GalleryDatabase>();

    [Fact]
    public async Task ARowThatTookASmallerIdButCommittedLaterIsPublishedAndReplayedAfterTheOneThatCommittedFirst()
    {
        var marker = Guid.NewGuid().ToString();
        await using var earlier = await Database.BeginWriteAsync(Ct).WaitAsync(GalleryCalls.Deadline, Ct);
        var earlierId = await InsertEventAsync(earlier, "test.took-first", marker);
        await using var later = await Database.BeginWriteAsync(Ct).WaitAsync(GalleryCalls.Deadline, Ct);
        var laterId = await InsertEventAsync(later, "test.took-second", marker);

        await later.CommitAsync(Ct);
        App.Services.GetRequiredService<OutboxSignal>().Notify();
        await App.Redis.WaitForStreamAsync(e => e["data"]?.Contains(marker, StringComparison.Ordinal) == true, e => e.Count == 1, Ct);
        await earlier.CommitAsync(Ct);
        App.Services.GetRequiredService<OutboxSignal>().Notify();
        var streamed = await App.Redis.WaitForStreamAsync(e => e["data"]?.Contains(marker, StringComparison.Ordinal) == true, e => e.Count == 2, Ct);
        using var response = await App.CreateClient().GetAsync("/internal/events?after=0&limit=1000", Ct);
        var replayed = (await response.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct))
            .Where(e => e.Data.Contains(marker, StringComparison.Ordinal)).ToList();

        Assert.True(earlierId < laterId);
        Assert.Equal(["test.took-second", "test.took-first"], streamed.Select(e => e["type"]));
        Assert.Equal(["test.took-second", "test.took-first"], replayed.Select(e => e.Type));
        Assert.Equal(replayed.Select(e => OutboxPublisher.StreamId(e.Sequence)), streamed.Select(e => e.Id));
    }

    [Fact]
    public async Task AWriteCompletesAndIsSentWhileAnotherWriteIsStillOpen()
    {
        await using var open = await Database.BeginWriteAsync(Ct);
        await InsertEventAsync(open, "test.open", Guid.NewGuid().ToString());

        var (status, photo) = await App.CreateClient().RegisterAsync(GalleryCalls.Registration(Owner.New()), Ct).WaitAsync(GalleryCalls.Deadline, Ct);
        var job = await App.Queue.WaitForJobAsync(photo.Id, Ct);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(photo.Id, job.PhotoId);
        Assert.Equal(1, await open.Connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE type = 'test.open' AND sequence IS NULL", transaction: open.Transaction));
    }

    [Fact]
    public async Task TwoEditsOfOnePhotoThatMeetKeepBothChanges()
    {
        var owner = Owner.New();
        var (photo, _) = await App.CreateClient().AddReadyPhotoAsync(owner, Ct);
        var store = App.Services.GetRequiredService<PhotoStore>();
        Task<Photo?> caption;
        Task<Photo?> author;
        await using (var holder = await Database.BeginWriteAsync(Ct))
        {
            // Both edits start while the row is held, so both read it before either can write.
            await holder.Connection.ExecuteAsync("SELECT id FROM photos WHERE id = @Id FOR UPDATE", new { photo.Id }, holder.Transaction);
            caption = store.UpdateAsync(photo.Id, "new caption", null, Ct);
            author = store.UpdateAsync(photo.Id, null, "new author", Ct);
            await WaitForLockWaitersAsync(2);
            await holder.CommitAsync(Ct);
        }

        await Task.WhenAll(caption, author);

        var stored = await store.GetAsync(photo.Id, Ct);
        Assert.Equal(("new caption", "new author"), (stored?.Row.Caption, stored?.Row.Author));
    }

    private static Task<long> InsertEventAsync(WriteScope scope, string type, string marker) =>
        scope.Connection.ExecuteScalarAsync<long>(
            "INSERT INTO outbox (kind, type, payload, created_at) VALUES ('event', @type, @payload, @now) RETURNING id",
            new { type, payload = $"{{\"marker\":\"{marker}\"}}", now = DateTimeOffset.UtcNow },
            scope.Transaction);

    private async Task WaitForLockWaitersAsync(int count)
    {
        var deadline = DateTime.UtcNow + GalleryCalls.Deadline;
        await using var connection = await Database.OpenAsync(Ct);
        while (await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} transactions ever waited for a lock.");
            await Task.Delay(20, Ct);
        }
    }
}
