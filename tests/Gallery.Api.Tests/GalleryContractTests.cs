using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Messaging;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Gallery.Api's behaviour, run once per SQL engine by the sealed subclasses below.</summary>
public abstract class GalleryContractTests(GalleryFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private GalleryApp App => fixture.App;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task MigrationsAreIdempotentAndTwoHostsMayMigrateTheSameDatabaseAtOnce()
    {
        var database = await fixture.CreateDatabaseAsync(Ct);
        var settings = fixture.Settings(database);
        settings["Outbox:Enabled"] = "false";
        await using var first = new GalleryApp(settings);
        await using var second = new GalleryApp(settings);

        await Task.WhenAll(Task.Run(() => first.CreateClient(), Ct), Task.Run(() => second.CreateClient(), Ct));

        var gallery = new GalleryDatabase(database);
        Assert.Equal(0, await new DatabaseMigrator(gallery, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(Ct));
        await using var connection = await gallery.OpenAsync(Ct);
        var versions = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(DatabaseMigrator.Load(fixture.Engine).Select(m => (long)m.Version), versions);
        foreach (var app in new[] { first, second })
        {
            using var response = await app.CreateClient().GetAsync("/internal/settings", Ct);
            var current = await response.ReadAsync(ContractsJsonContext.Default.SettingsDto, Ct);
            Assert.True(current.UploadsOpen);
        }
    }

    [Fact]
    public async Task RegisteringNewBytesCreatesAPhotoAndTheSameBytesAgainReturnIt()
    {
        var owner = Owner.New();
        var request = GalleryCalls.Registration(owner, caption: "first");

        var (created, photo) = await Client.RegisterAsync(request, Ct);
        var (again, existing) = await Client.RegisterAsync(request with { Caption = "second" }, Ct);

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(photo.Id, existing.Id);
        Assert.Equal("first", existing.Caption);
        Assert.Equal(PhotoStatus.Processing, photo.Status);
        var job = await App.Queue.WaitForJobAsync(photo.Id, Ct);
        Assert.Equal(request.Sha256, job.Sha256);
        Assert.Equal(BlobKeys.Original(request.Sha256), job.OriginalKey);
    }

    [Fact]
    public async Task TwoConcurrentIdenticalRegistrationsByOneOwnerMakeOnePhotoAndByTwoOwnersTwo()
    {
        var owner = Owner.New();
        var sha = GalleryCalls.NewSha256();

        var sameOwner = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Client.RegisterAsync(GalleryCalls.Registration(owner, sha), Ct)));
        var otherOwner = await Client.RegisterAsync(GalleryCalls.Registration(Owner.New(), sha), Ct);

        Assert.Single(sameOwner.Select(r => r.Photo.Id).Distinct());
        Assert.Single(sameOwner, r => r.Status == HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Created, otherOwner.Status);
        Assert.NotEqual(sameOwner[0].Photo.Id, otherOwner.Photo.Id);
        using var mine = await Client.SendAsync(HttpMethod.Get, "/api/me/photos", owner, cancellationToken: Ct);
        Assert.Single((await mine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
    }

    [Fact]
    public async Task RegisteringAMalformedRequestIsRejectedWith400()
    {
        var owner = Owner.New();
        foreach (var request in new[]
        {
            GalleryCalls.Registration(owner) with { Sha256 = "not-a-hash" },
            GalleryCalls.Registration(owner) with { Source = new PhotoSource("ftp://files.example/a.jpg") },
            GalleryCalls.Registration(owner) with { Source = new PhotoSource("https://a.example/", new string('t', 301)) },
        })
        {
            using var response = await Client.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, Ct);
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        // A good source is kept, and shown to everyone with the photo.
        var (_, photo) = await Client.RegisterAsync(GalleryCalls.Registration(owner) with { Source = new PhotoSource("https://a.example/page", "A page") }, Ct);
        Assert.Equal(new PhotoSource("https://a.example/page", "A page"), photo.Source);
    }

    [Fact]
    public async Task ThePublicListPagesNewestFirstWithAnOpaqueCursor()
    {
        var owner = Owner.New();
        var mine = new List<Guid>();
        var shas = new Dictionary<Guid, string>();
        for (var i = 0; i < 5; i++)
        {
            var (added, sha) = await Client.AddReadyPhotoAsync(owner, Ct);
            mine.Add(added.Id);
            shas[added.Id] = sha;
        }

        await Client.RegisterAsync(GalleryCalls.Registration(owner), Ct); // still processing: never listed

        var seen = new List<PhotoDto>();
        string? cursor = null;
        do
        {
            using var response = await Client.GetAsync($"/api/photos?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", Ct);
            var page = await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct);
            Assert.InRange(page.Items.Count, 0, 2);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Select(p => p.Id).Distinct().Count());
        Assert.All(seen, p => Assert.Equal(PhotoStatus.Ready, p.Status));
        Assert.Equal(Enumerable.Reverse(mine), seen.Where(p => mine.Contains(p.Id)).Select(p => p.Id));
        Assert.Equal(seen.OrderByDescending(p => p.CreatedAt).Select(p => p.Id), seen.Select(p => p.Id));
        var newest = seen.First(p => p.Id == mine[^1]);
        Assert.Equal("/media/" + BlobKeys.Rendition(shas[newest.Id], "thumb", "webp"), newest.Urls.Thumb);
        Assert.Equal((3000, 4000), (newest.Width, newest.Height));

        using var bad = await Client.GetAsync("/api/photos?cursor=garbage", Ct);
        await bad.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
    }

    [Fact]
    public async Task OnlyTheOwnerOrAnAdminMayEditOrDeleteAPhoto()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (other, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var stranger = Owner.New();

        using var anonymous = await Patch(photo.Id, null, null, "x");
        using var strangers = await Patch(photo.Id, stranger, null, "x");
        using var wrongKey = await Patch(photo.Id, null, "not-the-key", "x");
        using var owners = await Patch(photo.Id, owner, null, "by owner");
        using var admins = await Patch(photo.Id, null, fixture.AdminKey, "by admin");

        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        await strangers.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        await wrongKey.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        Assert.Equal("by owner", (await owners.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct)).Caption);
        Assert.Equal("by admin", (await admins.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct)).Caption);
        using var cleared = await Patch(photo.Id, owner, null, "");
        var afterClear = await cleared.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct);
        Assert.Equal(((string?)null, "Ada"), (afterClear.Caption, afterClear.Author));

        using var deleteAnonymous = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{photo.Id}", cancellationToken: Ct);
        using var deleteStranger = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{photo.Id}", stranger, cancellationToken: Ct);
        await deleteAnonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        await deleteStranger.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);

        using var deleteOwner = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{photo.Id}", owner, cancellationToken: Ct);
        using var deleteAdmin = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{other.Id}", adminKey: fixture.AdminKey, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleteOwner.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteAdmin.StatusCode);
        using var gone = await Client.GetAsync($"/api/photos/{photo.Id}", Ct);
        await gone.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        await App.Redis.WaitForEventsAsync(other.Id, events => events.Any(e => e["type"] == EventTypes.PhotoDeleted), Ct);
    }

    [Fact]
    public async Task AnOwnerAtTheirPhotoQuotaIsRefusedWithItsOwnTypeWhileOthersAndRepeatsStillRegister()
    {
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct));
        settings["Quota:MaxPhotosPerOwner"] = "2";
        settings["Outbox:Enabled"] = "false";
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();
        var owner = Owner.New();
        var first = GalleryCalls.Registration(owner);

        var (firstStatus, _) = await client.RegisterAsync(first, Ct);
        var (secondStatus, _) = await client.RegisterAsync(GalleryCalls.Registration(owner), Ct);
        using var third = await client.PostAsJsonAsync("/internal/photos", GalleryCalls.Registration(owner), ContractsJsonContext.Default.RegisterPhotoRequest, Ct);
        var (repeatStatus, _) = await client.RegisterAsync(first, Ct);
        var (otherStatus, _) = await client.RegisterAsync(GalleryCalls.Registration(Owner.New()), Ct);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (firstStatus, secondStatus));
        await third.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded, Ct);
        Assert.Equal(HttpStatusCode.OK, repeatStatus);
        Assert.Equal(HttpStatusCode.Created, otherStatus);
    }

    [Fact]
    public async Task AnOwnerWhoseNextPhotoWouldPassTheirByteQuotaIsRefusedAndConcurrentUploadsCannotSqueezePastIt()
    {
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct));
        settings["Quota:MaxBytesPerOwner"] = "10000000";
        settings["Outbox:Enabled"] = "false";
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();
        var owner = Owner.New();

        // Ten uploads of 3 MB at once: three fit in 10 MB, whatever order they arrive in.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            client.PostAsJsonAsync("/internal/photos", GalleryCalls.Registration(owner) with { Length = 3_000_000 }, ContractsJsonContext.Default.RegisterPhotoRequest, Ct)));
        try
        {
            Assert.Equal(3, attempts.Count(a => a.StatusCode == HttpStatusCode.Created));
            foreach (var refused in attempts.Where(a => a.StatusCode != HttpStatusCode.Created))
            {
                await refused.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded, Ct);
            }
        }
        finally
        {
            foreach (var attempt in attempts)
            {
                attempt.Dispose();
            }
        }

        var (small, _) = await client.RegisterAsync(GalleryCalls.Registration(owner) with { Length = 1_000_000 }, Ct);
        Assert.Equal(HttpStatusCode.Created, small);
    }

    [Fact]
    public async Task WithoutAConfiguredAdminKeyNoKeyOpensTheAdminEndpoints()
    {
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct));
        settings["Admin:Key"] = "";
        settings["Outbox:Enabled"] = "false";
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();

        using var none = await client.GetAsync("/api/admin/settings", Ct);
        using var guessed = await client.SendAsync(HttpMethod.Get, "/api/admin/settings", adminKey: fixture.AdminKey, cancellationToken: Ct);
        using var empty = await client.SendAsync(HttpMethod.Put, "/api/admin/settings", adminKey: "", content: JsonContent.Create(new SettingsDto(false, "off"), ContractsJsonContext.Default.SettingsDto), cancellationToken: Ct);

        await none.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        await guessed.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        await empty.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
    }

    [Fact]
    public async Task TheCallersTraceContinuesIntoTheJobAndTheEvents()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var owner = Owner.New();
        var sha = GalleryCalls.NewSha256();
        using var register = new HttpRequestMessage(HttpMethod.Post, "/internal/photos")
        {
            Content = JsonContent.Create(GalleryCalls.Registration(owner, sha), ContractsJsonContext.Default.RegisterPhotoRequest),
        };
        register.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var registered = await Client.SendAsync(register, Ct);
        var photo = await registered.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct);
        using var complete = new HttpRequestMessage(HttpMethod.Post, $"/internal/photos/{photo.Id}/renditions")
        {
            Content = JsonContent.Create(GalleryCalls.Renditions(sha), ContractsJsonContext.Default.RenditionsCompletedRequest),
        };
        complete.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        using var completed = await Client.SendAsync(complete, Ct);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);

        var job = await App.Queue.WaitForJobAsync(photo.Id, Ct);
        var events = await App.Redis.WaitForEventsAsync(photo.Id, e => e.Any(x => x["type"] == EventTypes.PhotoReady), Ct);

        Assert.Contains(traceId, job.Traceparent, StringComparison.Ordinal);
        Assert.Contains(traceId, events.Single()["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedBodyIsAProblemWithTheMalformedType()
    {
        var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);

        using var response = await Client.SendAsync(
            HttpMethod.Patch, $"/api/photos/{photo.Id}", Owner.New(), content: new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), cancellationToken: Ct);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
    }

    [Fact]
    public async Task TheHealthEndpointChecksTheDatabase()
    {
        using var response = await Client.GetAsync("/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AdminEndpointsWantTheAdminKey()
    {
        using var none = await Client.GetAsync("/api/admin/settings", Ct);
        using var wrong = await Client.SendAsync(HttpMethod.Get, "/api/admin/settings", adminKey: "wrong", cancellationToken: Ct);
        using var right = await Client.SendAsync(HttpMethod.Get, "/api/admin/settings", adminKey: fixture.AdminKey, cancellationToken: Ct);

        await none.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        await wrong.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task AdminStatsCountThePhotosInEachStateAndTheQueuedAndPoisonedJobsAndNeedTheAdminKey()
    {
        // A queue of its own (other tests' outboxes send to the shared one) so the job counts are exact.
        var azurite = new AzuriteServer();
        await using var _ = azurite;
        await azurite.InitializeAsync();
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct));
        settings["Outbox:Enabled"] = "false";
        settings["ConnectionStrings:queues"] = azurite.ConnectionString;
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();
        await app.Queue.SendAsync(new OutgoingJob("job-1", BinaryData.FromString("{}")), Ct);
        await app.Queue.SendAsync(new OutgoingJob("job-2", BinaryData.FromString("{}")), Ct);
        Assert.True(await app.Queue.DeadLetterAsync(Assert.Single(await app.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), Ct)), "a test", Ct));
        var owner = Owner.New();
        await client.AddReadyPhotoAsync(owner, Ct);
        await client.RegisterAsync(GalleryCalls.Registration(owner), Ct);
        var (_, failing) = await client.RegisterAsync(GalleryCalls.Registration(owner), Ct);
        using (var failed = await client.PostAsJsonAsync($"/internal/photos/{failing.Id}/failed", new PhotoFailedRequest("cannot decode"), ContractsJsonContext.Default.PhotoFailedRequest, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using (var pre = await client.SendAsync(HttpMethod.Put, "/api/admin/settings", adminKey: fixture.AdminKey, content: JsonContent.Create(new SettingsDto(true, "pre"), ContractsJsonContext.Default.SettingsDto), cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.OK, pre.StatusCode);
        }

        await client.AddReadyPhotoAsync(owner, Ct);

        using var anonymous = await client.GetAsync("/api/admin/stats", Ct);
        using var stats = await client.SendAsync(HttpMethod.Get, "/api/admin/stats", adminKey: fixture.AdminKey, cancellationToken: Ct);

        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        using var counts = System.Text.Json.JsonDocument.Parse(await stats.Content.ReadAsStringAsync(Ct));
        var root = counts.RootElement;
        Assert.Equal(
            (4L, 1L, 1L, 1L, 1L, 1L, 1L),
            (root.GetProperty("photos").GetInt64(), root.GetProperty("public").GetInt64(), root.GetProperty("processing").GetInt64(),
                root.GetProperty("failed").GetInt64(), root.GetProperty("pendingApproval").GetInt64(),
                root.GetProperty("queuedJobs").GetInt64(), root.GetProperty("poisonedJobs").GetInt64()));
    }

    [Fact]
    public async Task PreModerationKeepsAPhotoOffThePublicListUntilApproved()
    {
        await PutSettingsAsync(new SettingsDto(true, "pre"));
        try
        {
            var owner = Owner.New();
            var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
            Assert.Equal((PhotoStatus.Ready, ModerationState.Pending), (photo.Status, photo.Moderation));

            Assert.DoesNotContain(photo.Id, await PublicIdsAsync());
            using var asStranger = await Client.GetAsync($"/api/photos/{photo.Id}", Ct);
            await asStranger.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
            using var asOwner = await Client.SendAsync(HttpMethod.Get, $"/api/photos/{photo.Id}", owner, cancellationToken: Ct);
            Assert.Equal(HttpStatusCode.OK, asOwner.StatusCode);
            using var queue = await Client.SendAsync(HttpMethod.Get, "/api/admin/moderation", adminKey: fixture.AdminKey, cancellationToken: Ct);
            Assert.Contains(photo.Id, (await queue.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id));
            var pending = await App.Redis.WaitForEventsAsync(photo.Id, events => events.Any(e => e["type"] == EventTypes.PhotoPendingApproval), Ct);
            Assert.DoesNotContain(pending, e => e["type"] == EventTypes.PhotoReady);
            Assert.Equal(owner.Id, pending.Single(e => e["type"] == EventTypes.PhotoPendingApproval)["owner"]);

            using var approve = await Client.SendAsync(HttpMethod.Post, $"/api/admin/moderation/{photo.Id}/approve", adminKey: fixture.AdminKey, cancellationToken: Ct);
            Assert.Equal(ModerationState.Approved, (await approve.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct)).Moderation);

            Assert.Contains(photo.Id, await PublicIdsAsync());
            var ready = await App.Redis.WaitForEventsAsync(photo.Id, events => events.Any(e => e["type"] == EventTypes.PhotoReady), Ct);
            Assert.Null(ready.Single(e => e["type"] == EventTypes.PhotoReady)["owner"]);
        }
        finally
        {
            await PutSettingsAsync(new SettingsDto(true, "off"));
        }
    }

    [Fact]
    public async Task AutoModerationAsksTheWorkerForAVerdictAndPublishesOnlyWhatTheClassifierAllows()
    {
        await PutSettingsAsync(new SettingsDto(true, "auto"));
        try
        {
            var owner = Owner.New();
            var outcomes = new Dictionary<ClassifierVerdict, PhotoDto>();
            foreach (var verdict in new[] { ClassifierVerdict.Allow, ClassifierVerdict.Hold, ClassifierVerdict.Reject })
            {
                var sha = GalleryCalls.NewSha256();
                var (_, registered) = await Client.RegisterAsync(GalleryCalls.Registration(owner, sha), Ct);
                Assert.Equal(ModerationState.Pending, registered.Moderation);
                Assert.True((await App.Queue.WaitForJobAsync(registered.Id, Ct)).Classify, "the job asks for a verdict");

                var classification = new PhotoClassification(verdict, [new ClassifierLabel("Neutral", 0.4), new ClassifierLabel("Drawing", 0.6)], "test-classifier", ElapsedMs: 12);
                using var response = await Client.PostAsJsonAsync(
                    $"/internal/photos/{registered.Id}/renditions", GalleryCalls.Renditions(sha) with { Classification = classification },
                    ContractsJsonContext.Default.RenditionsCompletedRequest, Ct);
                outcomes[verdict] = await response.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct);
            }

            Assert.Equal(
                [ModerationState.Approved, ModerationState.Pending, ModerationState.Rejected],
                outcomes.Values.Select(photo => photo.Moderation));
            var publicIds = await PublicIdsAsync();
            Assert.Contains(outcomes[ClassifierVerdict.Allow].Id, publicIds);
            Assert.DoesNotContain(outcomes[ClassifierVerdict.Hold].Id, publicIds);
            Assert.DoesNotContain(outcomes[ClassifierVerdict.Reject].Id, publicIds);

            // The held photo waits for a moderator, who sees what the classifier said; the rejected one is not in the queue.
            using var queue = await Client.SendAsync(HttpMethod.Get, "/api/admin/moderation", adminKey: fixture.AdminKey, cancellationToken: Ct);
            var waiting = (await queue.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items;
            var held = Assert.Single(waiting, photo => photo.Id == outcomes[ClassifierVerdict.Hold].Id);
            Assert.Equal((ClassifierVerdict.Hold, "test-classifier", "Drawing"), (held.Classification!.Verdict, held.Classification.Classifier, held.Classification.Labels[1].Label));
            Assert.DoesNotContain(waiting, photo => photo.Id == outcomes[ClassifierVerdict.Reject].Id);
            Assert.Null(outcomes[ClassifierVerdict.Allow].Classification);

            // The wall hears of the allowed photo once, as public; of the others nothing public.
            var events = await App.Redis.WaitForEventsAsync(outcomes[ClassifierVerdict.Allow].Id, e => e.Any(x => x["type"] == EventTypes.PhotoReady), Ct);
            Assert.Null(Assert.Single(events, e => e["type"] == EventTypes.PhotoReady)["owner"]);
            var heldEvents = await App.Redis.WaitForEventsAsync(held.Id, e => e.Any(x => x["type"] == EventTypes.PhotoPendingApproval), Ct);
            Assert.All(heldEvents, e => Assert.Equal(owner.Id, e["owner"]));
        }
        finally
        {
            await PutSettingsAsync(new SettingsDto(true, "off"));
        }

        var (_, later) = await Client.RegisterAsync(GalleryCalls.Registration(Owner.New()), Ct);
        Assert.False((await App.Queue.WaitForJobAsync(later.Id, Ct)).Classify, "with moderation off no verdict is asked for");
    }

    [Fact]
    public async Task ARejectedPhotoNeverReachesThePublicList()
    {
        await PutSettingsAsync(new SettingsDto(true, "pre"));
        try
        {
            var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);

            using var reject = await Client.SendAsync(HttpMethod.Post, $"/api/admin/moderation/{photo.Id}/reject", adminKey: fixture.AdminKey, cancellationToken: Ct);

            Assert.Equal(ModerationState.Rejected, (await reject.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct)).Moderation);
            Assert.DoesNotContain(photo.Id, await PublicIdsAsync());
        }
        finally
        {
            await PutSettingsAsync(new SettingsDto(true, "off"));
        }
    }

    [Fact]
    public async Task ClosedUploadsRefuseRegistrationWith403UploadsClosed()
    {
        await PutSettingsAsync(new SettingsDto(false, "off"));
        try
        {
            using var settings = await Client.GetAsync("/internal/settings", Ct);
            Assert.False((await settings.ReadAsync(ContractsJsonContext.Default.SettingsDto, Ct)).UploadsOpen);

            using var response = await Client.PostAsJsonAsync("/internal/photos", GalleryCalls.Registration(Owner.New()), ContractsJsonContext.Default.RegisterPhotoRequest, Ct);

            await response.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.UploadsClosed, Ct);
        }
        finally
        {
            await PutSettingsAsync(new SettingsDto(true, "off"));
        }

        await App.Redis.WaitForStreamAsync(
            e => e["type"] == EventTypes.SettingsChanged && e["data"]!.Contains("\"uploadsOpen\":false", StringComparison.Ordinal), e => e.Count > 0, Ct);
    }

    [Fact]
    public async Task RenditionsReportedTwiceMakeOnePhotoReadyEvent()
    {
        var owner = Owner.New();
        var sha = GalleryCalls.NewSha256();
        var (_, photo) = await Client.RegisterAsync(GalleryCalls.Registration(owner, sha), Ct);

        var first = await Client.CompleteAsync(photo.Id, sha, Ct);
        var second = await Client.CompleteAsync(photo.Id, sha, Ct);
        // A later event for the same photo: once it is in the stream, everything before it is too.
        using var patch = await Patch(photo.Id, owner, null, "later");
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        var events = await App.Redis.WaitForEventsAsync(photo.Id, e => e.Any(x => x["type"] == EventTypes.PhotoUpdated), Ct);
        Assert.Equal(PhotoStatus.Ready, first.Status);
        Assert.Equal(first, second);
        Assert.Single(events, e => e["type"] == EventTypes.PhotoReady);
    }

    [Fact]
    public async Task AnOwnerFindsTheirPhotoOfGivenBytesByItsSha256AndNobodyElsesThatWay()
    {
        var owner = Owner.New();
        var sha = GalleryCalls.NewSha256();
        var (_, photo) = await Client.RegisterAsync(GalleryCalls.Registration(owner, sha), Ct);
        await Client.RegisterAsync(GalleryCalls.Registration(owner), Ct);

        using var found = await Client.SendAsync(HttpMethod.Get, $"/api/me/photos?sha256={sha.ToUpperInvariant()}", owner, cancellationToken: Ct);
        using var notMine = await Client.SendAsync(HttpMethod.Get, $"/api/me/photos?sha256={sha}", Owner.New(), cancellationToken: Ct);
        using var unknown = await Client.SendAsync(HttpMethod.Get, $"/api/me/photos?sha256={GalleryCalls.NewSha256()}", owner, cancellationToken: Ct);
        using var malformed = await Client.SendAsync(HttpMethod.Get, "/api/me/photos?sha256=not-a-hash", owner, cancellationToken: Ct);

        Assert.Equal(photo.Id, Assert.Single((await found.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items).Id);
        Assert.Empty((await notMine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
        Assert.Empty((await unknown.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
        await malformed.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
    }

    [Fact]
    public async Task AFailedPhotoKeepsItsReasonAndOnlyItsOwnerHearsOfIt()
    {
        var owner = Owner.New();
        var (_, photo) = await Client.RegisterAsync(GalleryCalls.Registration(owner), Ct);

        using var failed = await Client.PostAsJsonAsync($"/internal/photos/{photo.Id}/failed", new PhotoFailedRequest("cannot decode"), ContractsJsonContext.Default.PhotoFailedRequest, Ct);
        using var again = await Client.PostAsJsonAsync($"/internal/photos/{photo.Id}/failed", new PhotoFailedRequest("cannot decode"), ContractsJsonContext.Default.PhotoFailedRequest, Ct);

        Assert.Equal(PhotoStatus.Failed, (await failed.ReadAsync(ContractsJsonContext.Default.PhotoDto, Ct)).Status);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var mine = await Client.SendAsync(HttpMethod.Get, "/api/me/photos", owner, cancellationToken: Ct);
        var listed = Assert.Single((await mine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
        Assert.Equal((PhotoStatus.Failed, "cannot decode"), (listed.Status, listed.FailureReason));
        using var asStranger = await Client.SendAsync(HttpMethod.Get, $"/api/photos/{photo.Id}", Owner.New(), cancellationToken: Ct);
        await asStranger.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        using var anonymousMine = await Client.GetAsync("/api/me/photos", Ct);
        await anonymousMine.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);

        var events = await App.Redis.WaitForEventsAsync(photo.Id, e => e.Any(x => x["type"] == EventTypes.PhotoFailed), Ct);
        Assert.Equal(owner.Id, Assert.Single(events, e => e["type"] == EventTypes.PhotoFailed)["owner"]);
        using var outbox = await Client.GetAsync("/internal/events?after=0&limit=1000", Ct);
        Assert.Single(
            await outbox.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct),
            e => e.Type == EventTypes.PhotoFailed && e.Data.Contains(photo.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendingFailedBytesAgainRendersThemAgain()
    {
        var owner = Owner.New();
        var request = GalleryCalls.Registration(owner);
        var (_, photo) = await Client.RegisterAsync(request, Ct);
        await App.Queue.WaitForJobAsync(photo.Id, Ct);
        using var failed = await Client.PostAsJsonAsync($"/internal/photos/{photo.Id}/failed", new PhotoFailedRequest("worker crashed"), ContractsJsonContext.Default.PhotoFailedRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);

        var (status, again) = await Client.RegisterAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(photo.Id, again.Id);
        Assert.Equal((PhotoStatus.Processing, (string?)null), (again.Status, again.FailureReason));
        Assert.Equal(photo.Id, (await App.Queue.WaitForJobAsync(photo.Id, Ct)).PhotoId);
    }

    [Fact]
    public async Task EventsReachTheStreamWithTheOutboxSequenceAsIdAndReplayFromInternalEvents()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        using var patch = await Patch(photo.Id, owner, null, "changed");
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        var streamed = await App.Redis.WaitForEventsAsync(photo.Id, e => e.Count >= 2, Ct);

        using var all = await Client.GetAsync("/internal/events?after=0&limit=1000", Ct);
        var outbox = (await all.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct))
            .Where(e => e.Data.Contains(photo.Id.ToString(), StringComparison.Ordinal)).ToList();
        Assert.Equal([EventTypes.PhotoReady, EventTypes.PhotoUpdated], outbox.Select(e => e.Type));
        Assert.Equal(outbox.Select(e => OutboxPublisher.StreamId(e.Sequence)), streamed.Select(e => e.Id));
        Assert.Equal(outbox.Select(e => e.Type), streamed.Select(e => e["type"]));
        Assert.Equal(outbox[1].Data, streamed[1]["data"]);

        using var after = await Client.GetAsync($"/internal/events?after={outbox[0].Sequence}&limit=1", Ct);
        var next = Assert.Single(await after.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct));
        Assert.True(next.Sequence > outbox[0].Sequence);
        Assert.True(next.Sequence <= outbox[1].Sequence);
    }

    [Fact]
    public async Task ConcurrentWritersLoseNoEventOnTheWayToTheStream()
    {
        var owner = Owner.New();
        var photos = new List<PhotoDto>();
        for (var i = 0; i < 3; i++)
        {
            photos.Add((await Client.AddReadyPhotoAsync(owner, Ct)).Photo);
        }

        await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            using var response = await Patch(photos[i % photos.Count].Id, owner, null, $"edit {i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }));

        using var all = await Client.GetAsync("/internal/events?after=0&limit=1000", Ct);
        var ids = photos.Select(p => p.Id.ToString()).ToList();
        var expected = (await all.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct))
            .Where(e => ids.Any(id => e.Data.Contains(id, StringComparison.Ordinal)))
            .Select(e => OutboxPublisher.StreamId(e.Sequence))
            .ToList();
        Assert.Equal(33, expected.Count);
        var streamed = await App.Redis.WaitForStreamAsync(
            e => ids.Any(id => e["data"]?.Contains(id, StringComparison.Ordinal) == true), e => e.Count >= expected.Count, Ct);
        Assert.Equal(expected, streamed.Select(e => e.Id));
    }

    [Fact]
    public async Task AnEventSentAgainIsRecognisedAsAlreadyInTheStream()
    {
        var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);
        var ready = Assert.Single(await App.Redis.WaitForEventsAsync(photo.Id, e => e.Count == 1, Ct));
        var sequence = long.Parse(ready.Id.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
        var database = App.Services.GetRequiredService<GalleryDatabase>();

        // As if the process had died after XADD and before marking the row sent.
        await using (var connection = await database.OpenAsync(Ct))
        {
            await connection.ExecuteAsync("UPDATE outbox SET sent_at = NULL WHERE sequence = @sequence", new { sequence });
        }

        App.Services.GetRequiredService<OutboxSignal>().Notify();
        var deadline = DateTime.UtcNow + GalleryCalls.Deadline;
        while (true)
        {
            await using var connection = await database.OpenAsync(Ct);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE sequence = @sequence AND sent_at IS NOT NULL", new { sequence }) == 1)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The relay never marked the resent event sent.");
            await Task.Delay(50, Ct);
        }

        Assert.Single(await App.Redis.WaitForEventsAsync(photo.Id, _ => true, Ct));
    }

    [Fact]
    public async Task DeletingTheLastPhotoOfSomeBytesDeletesTheirBlobs()
    {
        var sha = GalleryCalls.NewSha256();
        await PutBlobAsync(BlobKeys.Original(sha));
        await PutBlobAsync(BlobKeys.Rendition(sha, "thumb", "webp"));
        await PutBlobAsync(BlobKeys.Rendition(sha, "large", "webp"));
        var first = Owner.New();
        var second = Owner.New();
        var (_, one) = await Client.RegisterAsync(GalleryCalls.Registration(first, sha), Ct);
        var (_, two) = await Client.RegisterAsync(GalleryCalls.Registration(second, sha), Ct);
        await Client.CompleteAsync(one.Id, sha, Ct);

        using var deleteOne = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{one.Id}", first, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleteOne.StatusCode);
        Assert.NotNull(await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha), Ct));
        Assert.NotNull(await App.Blobs.GetPropertiesAsync(BlobKeys.Rendition(sha, "thumb", "webp"), Ct));

        using var deleteTwo = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{two.Id}", second, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleteTwo.StatusCode);
        Assert.Null(await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha), Ct));
        Assert.Empty(await App.Blobs.ListAsync(BlobKeys.RenditionPrefix(sha), Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task EventsWrittenWhileRedisIsDownAreSentOnceItIsBack()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        await using var app = new GalleryApp(fixture.Settings(await fixture.CreateDatabaseAsync(Ct), redis.ConnectionString));
        var client = app.CreateClient();
        var owner = Owner.New();
        var (before, _) = await client.AddReadyPhotoAsync(owner, Ct);
        await app.Redis.WaitForEventsAsync(before.Id, e => e.Count == 1, Ct);

        await redis.KillAsync();
        var (during, _) = await client.AddReadyPhotoAsync(owner, Ct);
        await redis.StartAsync(Ct);

        // The restarted Redis kept nothing (no persistence): the relay sends what is unsent, in order.
        var events = await app.Redis.WaitForEventsAsync(during.Id, e => e.Count == 1, Ct);
        Assert.Equal(EventTypes.PhotoReady, events[0]["type"]);
        Assert.Equal(OutboxPublisher.StreamId(4), events[0].Id); // 1 job, 2 photo.ready, 3 job, 4 photo.ready
    }

    [Fact]
    public async Task SentRowsPastTheRetentionArePrunedAndTheirSequencesNeverReused()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct), redis.ConnectionString);
        settings["Outbox:Retention"] = "00:00:00.001";
        settings["Outbox:PruneInterval"] = "00:00:00.050";
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();
        var owner = Owner.New();
        var (first, _) = await client.AddReadyPhotoAsync(owner, Ct);
        await app.Redis.WaitForEventsAsync(first.Id, e => e.Count == 1, Ct);

        var deadline = DateTime.UtcNow + GalleryCalls.Deadline;
        while (true)
        {
            using var response = await client.GetAsync("/internal/events?after=0", Ct);
            if ((await response.ReadAsync(ContractsJsonContext.Default.IReadOnlyListEventEnvelope, Ct)).Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "Sent events were never pruned.");
            await Task.Delay(50, Ct);
        }

        var (second, _) = await client.AddReadyPhotoAsync(owner, Ct);
        var events = await app.Redis.WaitForEventsAsync(second.Id, e => e.Count == 1, Ct);
        Assert.Equal(OutboxPublisher.StreamId(4), events[0].Id);
    }

    [Fact]
    public async Task AJobAndAnEventCommittedBeforeACrashAreSentAfterTheRestart()
    {
        // A Redis of its own: a fresh database numbers its outbox from 1, which the shared stream is already past.
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var environment = fixture.Settings(await fixture.CreateDatabaseAsync(Ct), redis.ConnectionString)
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        environment["Outbox__Enabled"] = "false";

        PhotoDto photo;
        await using (var crashing = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", environment, Ct))
        {
            using var http = new HttpClient { BaseAddress = crashing.BaseAddress };
            var sha = GalleryCalls.NewSha256();
            (_, photo) = await http.RegisterAsync(GalleryCalls.Registration(Owner.New(), sha), Ct);
            await http.CompleteAsync(photo.Id, sha, Ct);
            // Leaving the block kills the process (SIGKILL): the rows are committed, nothing was sent.
        }

        environment["Outbox__Enabled"] = "true";
        await using var restarted = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", environment, Ct);

        var job = await App.Queue.WaitForJobAsync(photo.Id, Ct);
        Assert.Equal(photo.Id, job.PhotoId);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var events = await client.GetDatabase().WaitForEventsAsync(photo.Id, e => e.Any(x => x["type"] == EventTypes.PhotoReady), Ct);
        Assert.Equal("2-0", Assert.Single(events).Id);
    }

    private async Task PutBlobAsync(string key)
    {
        using var content = new MemoryStream([1, 2, 3]);
        await App.Blobs.PutIfAbsentAsync(key, content, "application/octet-stream", Ct);
    }

    private async Task<HttpResponseMessage> Patch(Guid id, Owner? owner, string? adminKey, string caption) =>
        await Client.SendAsync(
            HttpMethod.Patch,
            $"/api/photos/{id}",
            owner,
            adminKey,
            JsonContent.Create(new { caption }),
            Ct);

    private async Task PutSettingsAsync(SettingsDto settings)
    {
        using var response = await Client.SendAsync(
            HttpMethod.Put, "/api/admin/settings", adminKey: fixture.AdminKey, content: JsonContent.Create(settings, ContractsJsonContext.Default.SettingsDto), cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<Guid>> PublicIdsAsync()
    {
        using var response = await Client.GetAsync("/api/photos?limit=100", Ct);
        return [.. (await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id)];
    }
}

[Collection("sqlite")]
public sealed class SqliteGalleryTests(SqliteGalleryFixture fixture) : GalleryContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresGalleryTests(PostgresGalleryFixture fixture) : GalleryContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
