using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Pairing codes and devices, run once per SQL engine by the sealed subclasses below.</summary>
public abstract class DeviceContractTests(GalleryFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task APairedDeviceActsAsTheSameOwnerAndSeesTheSamePhotos()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);

        var code = await CreateCodeAsync(owner);
        Assert.Matches("^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$", code.Code);
        Assert.Equal($"/pair?code={code.Code.Replace("-", "", StringComparison.Ordinal)}", code.Url);
        Assert.InRange(code.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));

        // Typed as a person might: lower case, with a space instead of the dash.
        using var redeemed = await RedeemAsync(code.Code.ToLowerInvariant().Replace('-', ' '), name: "Kitchen tablet");
        var paired = await redeemed.ReadAsync(ContractsJsonContext.Default.PairedDeviceDto, Ct);
        Assert.True(OwnerToken.IsWellFormed(paired.Token));
        Assert.NotEqual(owner.Token, paired.Token);
        Assert.Contains(redeemed.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith($"{OwnerToken.CookieName}={paired.Token};", StringComparison.Ordinal));
        Assert.Equal(("Kitchen tablet", true, false), (paired.Device.Name, paired.Device.Current, paired.Device.First));

        var device = new Owner(paired.Token, owner.Id);
        Assert.Contains(photo.Id, await MyPhotoIdsAsync(device));

        // Each device sees both, itself as the current one; the first token was named after the browser that asked for the code.
        var fromFirst = await DevicesAsync(owner);
        var fromPaired = await DevicesAsync(device);
        Assert.Equal([(true, true, "Firefox on Linux"), (false, false, "Kitchen tablet")], fromFirst.Select(d => (d.Current, d.First, d.Name)));
        Assert.Equal([(true, false, "Kitchen tablet"), (false, true, "Firefox on Linux")], fromPaired.Select(d => (d.Current, d.First, d.Name)));
        Assert.Equal(paired.Device.Id, fromFirst[1].Id);
    }

    [Fact]
    public async Task ACodeWorksOnceAndEveryCodeThatDoesNotWorkGetsTheSameProblem()
    {
        var owner = Owner.New();
        var code = await CreateCodeAsync(owner);
        using (var first = await RedeemAsync(code.Code))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var unknown = PairingCodes.Create();
        List<string> answers = [];
        foreach (var attempt in new[] { code.Code, unknown, "hello", "", "ABCD-EFGH-JKMN" })
        {
            using var refused = await RedeemAsync(attempt);
            await refused.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.PairingCodeNotValid, Ct);
            Assert.False(refused.Headers.Contains("Set-Cookie"));
            answers.Add(await refused.Content.ReadAsStringAsync(Ct));
        }

        Assert.Single(answers.Select(WithoutTraceId).Distinct());
    }

    [Fact]
    public async Task WrongGuessesAtACodeUseItUpAndANewCodeReplacesTheOldOne()
    {
        var owner = Owner.New();
        var code = (await CreateCodeAsync(owner)).Code.Replace("-", "", StringComparison.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await RedeemAsync(code[..3] + WrongTail(code, i));
            Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        }

        using (var right = await RedeemAsync(code))
        {
            await right.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.PairingCodeNotValid, Ct);
        }

        var replaced = await CreateCodeAsync(owner);
        var current = await CreateCodeAsync(owner);
        using (var old = await RedeemAsync(replaced.Code))
        {
            Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        }

        using var works = await RedeemAsync(current.Code);
        Assert.Equal(HttpStatusCode.OK, works.StatusCode);
    }

    [Fact]
    public async Task AnExpiredCodeDoesNotWork()
    {
        await using var shortLived = new GalleryApp(new Dictionary<string, string?>(fixture.Settings(await fixture.CreateDatabaseAsync(Ct)))
        {
            ["Pairing:CodeLifetime"] = "00:00:00.001",
        });
        using var client = shortLived.CreateClient();
        var owner = Owner.New();
        using var created = await client.SendAsync(HttpMethod.Post, "/api/me/pairing-codes", owner, cancellationToken: Ct);
        var code = await created.ReadAsync(ContractsJsonContext.Default.PairingCodeDto, Ct);

        using var refused = await client.PostAsJsonAsync("/api/pairing", new PairingRedeemRequest(code.Code), ContractsJsonContext.Default.PairingRedeemRequest, Ct);
        await refused.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.PairingCodeNotValid, Ct);
    }

    [Fact]
    public async Task ARevokedDeviceNoLongerActsAsTheOwnerWhileTheOthersDo()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var device = await PairAsync(owner);
        var id = (await DevicesAsync(device)).Single(d => d.Current).Id;

        using (var revoked = await Client.SendAsync(HttpMethod.Delete, $"/api/me/devices/{id}", owner, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using (var refused = await Client.SendAsync(HttpMethod.Get, "/api/me/photos", device, cancellationToken: Ct))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        }

        // On public endpoints the revoked token is nobody: it no longer sees what only the owner may.
        using (var asNobody = await Client.SendAsync(HttpMethod.Get, $"/api/photos/{photo.Id}", device, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.OK, asNobody.StatusCode);
        }

        Assert.True(Assert.Single(await DevicesAsync(owner)).First);
        Assert.Contains(photo.Id, await MyPhotoIdsAsync(owner));

        using var again = await Client.SendAsync(HttpMethod.Delete, $"/api/me/devices/{id}", owner, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }

    [Fact]
    public async Task TheFirstTokenCanBeRevokedFromAPairedDevice()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var device = await PairAsync(owner);
        var first = (await DevicesAsync(device)).Single(d => d.First);

        using (var revoked = await Client.SendAsync(HttpMethod.Delete, $"/api/me/devices/{first.Id}", device, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using (var refused = await Client.SendAsync(HttpMethod.Get, "/api/me/devices", owner, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Single(await DevicesAsync(device));
        Assert.Contains(photo.Id, await MyPhotoIdsAsync(device));
        Assert.Null(await ResolveAsync(owner.Id));
        Assert.Equal(owner.Id, await ResolveAsync(OwnerToken.ComputeHash(device.Token)!));
    }

    [Fact]
    public async Task AnOwnerWhoNeverPairedSeesTheirOneTokenAndMayRevokeIt()
    {
        var owner = Owner.New();
        var only = Assert.Single(await DevicesAsync(owner));
        Assert.Equal(("First device", true, true, null), (only.Name, only.Current, only.First, only.CreatedAt));

        using (var revoked = await Client.SendAsync(HttpMethod.Delete, $"/api/me/devices/{only.Id}", owner, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using var refused = await Client.SendAsync(HttpMethod.Get, "/api/me/devices", owner, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task NobodyRevokesADeviceThatIsNotTheirs()
    {
        var owner = Owner.New();
        var stranger = Owner.New();
        var device = await PairAsync(owner);
        var ids = (await DevicesAsync(device)).Select(d => d.Id).ToList();

        foreach (var id in ids.Append(Guid.NewGuid()))
        {
            using var refused = await Client.SendAsync(HttpMethod.Delete, $"/api/me/devices/{id}", stranger, cancellationToken: Ct);
            await refused.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        Assert.Equal(2, (await DevicesAsync(owner)).Count);
    }

    [Fact]
    public async Task TheInternalEndpointSaysWhomATokenActsFor()
    {
        var owner = Owner.New();
        Assert.Equal(owner.Id, await ResolveAsync(owner.Id));
        var device = await PairAsync(owner);
        Assert.Equal(owner.Id, await ResolveAsync(OwnerToken.ComputeHash(device.Token)!));

        using var malformed = await Client.GetAsync("/internal/owner-tokens/NOT-A-HASH", Ct);
        await malformed.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
    }

    private async Task<Owner> PairAsync(Owner owner)
    {
        var code = await CreateCodeAsync(owner);
        using var redeemed = await RedeemAsync(code.Code);
        var paired = await redeemed.ReadAsync(ContractsJsonContext.Default.PairedDeviceDto, Ct);
        return new Owner(paired.Token, owner.Id);
    }

    private async Task<PairingCodeDto> CreateCodeAsync(Owner owner, string? userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/pairing-codes").As(owner);
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var response = await Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync(ContractsJsonContext.Default.PairingCodeDto, Ct);
    }

    private Task<HttpResponseMessage> RedeemAsync(string code, string? name = null) =>
        Client.PostAsJsonAsync("/api/pairing", new PairingRedeemRequest(code, name), ContractsJsonContext.Default.PairingRedeemRequest, Ct);

    private async Task<IReadOnlyList<DeviceDto>> DevicesAsync(Owner owner)
    {
        using var response = await Client.SendAsync(HttpMethod.Get, "/api/me/devices", owner, cancellationToken: Ct);
        return (await response.ReadAsync(ContractsJsonContext.Default.DeviceList, Ct)).Items;
    }

    private async Task<IReadOnlyList<Guid>> MyPhotoIdsAsync(Owner owner)
    {
        using var response = await Client.SendAsync(HttpMethod.Get, "/api/me/photos", owner, cancellationToken: Ct);
        return [.. (await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id)];
    }

    private async Task<string?> ResolveAsync(string tokenHash)
    {
        using var response = await Client.GetAsync($"/internal/owner-tokens/{tokenHash}", Ct);
        return (await response.ReadAsync(ContractsJsonContext.Default.OwnerTokenResolutionDto, Ct)).OwnerId;
    }

    /// <summary>A tail of five alphabet characters that is not <paramref name="code"/>'s own, different for each <paramref name="i"/>.</summary>
    private static string WrongTail(string code, int i)
    {
        var tail = code[3..].ToCharArray();
        var index = PairingCodes.Alphabet.IndexOf(tail[0], StringComparison.Ordinal);
        tail[0] = PairingCodes.Alphabet[(index + 1 + i) % PairingCodes.Alphabet.Length];
        return new string(tail);
    }

    private static string WithoutTraceId(string problem)
    {
        var json = JsonDocument.Parse(problem).RootElement;
        return string.Join("|", json.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));
    }
}

[Collection("sqlite")]
public sealed class SqliteDeviceTests(SqliteGalleryFixture fixture) : DeviceContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresDeviceTests(PostgresGalleryFixture fixture) : DeviceContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
