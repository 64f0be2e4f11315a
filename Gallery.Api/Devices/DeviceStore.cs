using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.ServiceDefaults;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.Gallery.Api.Devices;

/// <summary>An <c>owner_tokens</c> row.</summary>
internal sealed class DeviceRow
{
    public Guid Id { get; set; }

    public string TokenHash { get; set; } = "";

    public string OwnerId { get; set; } = "";

    public string Name { get; set; } = "";

    public DateTimeOffset? CreatedAt { get; set; }

    public DateTimeOffset? LastSeenAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DeviceDto ToDto(string? currentTokenHash) =>
        new(Id, Name, CreatedAt, LastSeenAt, TokenHash == currentTokenHash, TokenHash == OwnerId);
}

/// <summary>A <c>pairing_codes</c> row.</summary>
internal sealed class PairingCodeRow
{
    public string CodeHash { get; set; } = "";

    public string OwnerId { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>
/// Devices and pairing. A device is an owner token; the database holds a row only for tokens that act for someone other
/// than their own hash (paired ones), for revoked ones, and for an owner's first token once it has paired a device (to
/// name it and see it). Every other token means what it always did, so tokens issued before devices existed need nothing.
/// Also the <see cref="IOwnerTokenSource"/> Gallery.Api's own resolver and its internal endpoint read.
/// </summary>
/// <remarks>
/// A pairing code's first <see cref="SelectorLength"/> characters pick its row and the whole code's hash proves it, so a
/// wrong guess is charged to the code it names: after <see cref="MaxFailedAttempts"/> the code stops working, which bounds
/// a guesser's chance per code at 5 in 31^5 (about 1 in 5.7 million) however many addresses they use.
/// </remarks>
internal sealed partial class DeviceStore(GalleryDatabase database, TimeProvider time, IOptions<PairingOptions> options, ILogger<DeviceStore> logger) : IOwnerTokenSource
{
    public const int SelectorLength = 3;

    public const int MaxFailedAttempts = 5;

    /// <summary>How stale <c>last_seen_at</c> may get before a lookup writes it again: it is meant to be rough.</summary>
    private static readonly TimeSpan s_lastSeenResolution = TimeSpan.FromMinutes(1);

    private const string DeviceColumns = "id, token_hash, owner_id, name, created_at, last_seen_at, revoked_at";

    /// <summary>The id a device's token hash is listed under: derived, so an owner's first token has one without a row.</summary>
    public static Guid DeviceId(string tokenHash)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes("scrapbook-device:" + tokenHash), digest);
        return new Guid(digest[..16]);
    }

    public async Task<string?> FindOwnerAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<DeviceRow>(new CommandDefinition(
                $"SELECT {DeviceColumns} FROM owner_tokens WHERE token_hash = @tokenHash", new { tokenHash }, cancellationToken: cancellationToken));
            if (row is null)
            {
                return tokenHash;
            }

            if (row.RevokedAt is not null)
            {
                return null;
            }

            var now = time.GetUtcNow();
            if (row.LastSeenAt is null || row.LastSeenAt < now - s_lastSeenResolution)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE owner_tokens SET last_seen_at = @now WHERE token_hash = @tokenHash", new { now, tokenHash }, cancellationToken: cancellationToken));
            }

            return row.OwnerId;
        }
        catch (DbException exception)
        {
            LogLookupFailed(logger, exception);
            throw new OwnerResolutionUnavailableException("The gallery database could not be asked whom a token acts for.", exception);
        }
    }

    /// <summary>
    /// The owner's devices that still work: the caller's first, then the newest. Their first token is listed even
    /// without a row, unless it was revoked.
    /// </summary>
    public async Task<IReadOnlyList<DeviceDto>> ListAsync(string ownerId, string? currentTokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<DeviceRow>(new CommandDefinition(
            $"SELECT {DeviceColumns} FROM owner_tokens WHERE owner_id = @ownerId", new { ownerId }, cancellationToken: cancellationToken))).ToList();
        if (!rows.Any(row => row.TokenHash == ownerId))
        {
            rows.Add(FirstDevice(ownerId));
        }

        return [.. rows
            .Where(row => row.RevokedAt is null)
            .Select(row => row.ToDto(currentTokenHash))
            .OrderByDescending(device => device.Current)
            .ThenByDescending(device => device.CreatedAt ?? DateTimeOffset.MinValue)];
    }

    /// <summary>
    /// A new code for <paramref name="ownerId"/>, replacing any earlier one of theirs not yet used. When the caller is the
    /// owner's first token, it gets a row now, named after <paramref name="callerName"/>, so the owner sees it by name.
    /// </summary>
    public async Task<(string Code, DateTimeOffset ExpiresAt)> CreateCodeAsync(string ownerId, string callerTokenHash, string callerName, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var expiresAt = now + options.Value.CodeLifetime;
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        // Dead codes are kept no longer than it takes to make the next one: the table stays as small as the codes in use.
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM pairing_codes WHERE owner_id = @ownerId OR expires_at <= @now OR used_at IS NOT NULL OR failed_attempts >= @MaxFailedAttempts",
            new { ownerId, now, MaxFailedAttempts },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (callerTokenHash == ownerId)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO owner_tokens (token_hash, id, owner_id, name, created_at, last_seen_at, revoked_at) VALUES (@callerTokenHash, @id, @ownerId, @callerName, NULL, @now, NULL) ON CONFLICT (token_hash) DO NOTHING",
                new { callerTokenHash, id = DeviceId(callerTokenHash), ownerId, callerName, now },
                scope.Transaction,
                cancellationToken: cancellationToken));
        }

        // A selector still held by another owner's live code is drawn again; with 29,791 selectors and codes living five
        // minutes, one draw nearly always does.
        for (var attempt = 0; ; attempt++)
        {
            var code = PairingCodes.Create();
            var inserted = await scope.Connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO pairing_codes (selector, code_hash, owner_id, created_at, expires_at, failed_attempts, used_at)
                VALUES (@selector, @codeHash, @ownerId, @now, @expiresAt, 0, NULL) ON CONFLICT (selector) DO NOTHING
                """,
                new { selector = code[..SelectorLength], codeHash = SecretHash.Of(code), ownerId, now, expiresAt },
                scope.Transaction,
                cancellationToken: cancellationToken));
            if (inserted == 1)
            {
                await scope.CommitAsync(cancellationToken);
                return (code, expiresAt);
            }

            if (attempt == 20)
            {
                throw new InvalidOperationException("No free pairing code selector after 20 draws.");
            }
        }
    }

    /// <summary>
    /// Pairs a new device with the owner whose live code <paramref name="typedCode"/> is: a new token, acting for that
    /// owner, named <paramref name="name"/>. Null for any code that does not work, whatever the reason; a wrong code whose
    /// selector names a live one counts against that one.
    /// </summary>
    public async Task<(string Token, DeviceRow Device)?> RedeemAsync(string? typedCode, string name, CancellationToken cancellationToken = default)
    {
        if (PairingCodes.Normalize(typedCode) is not { } code)
        {
            return null;
        }

        var now = time.GetUtcNow();
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var selector = code[..SelectorLength];
        var row = await scope.Connection.QuerySingleOrDefaultAsync<PairingCodeRow>(new CommandDefinition(
            $"SELECT code_hash, owner_id, expires_at, failed_attempts, used_at FROM pairing_codes WHERE selector = @selector{scope.ForUpdate}",
            new { selector },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (row is null || row.UsedAt is not null || row.ExpiresAt <= now || row.FailedAttempts >= MaxFailedAttempts)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(SecretHash.Of(code)), Encoding.ASCII.GetBytes(row.CodeHash)))
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE pairing_codes SET failed_attempts = failed_attempts + 1 WHERE selector = @selector",
                new { selector },
                scope.Transaction,
                cancellationToken: cancellationToken));
            await scope.CommitAsync(cancellationToken);
            return null;
        }

        var token = OwnerToken.Create();
        var tokenHash = OwnerToken.ComputeHash(token)!;
        var device = new DeviceRow
        {
            Id = DeviceId(tokenHash),
            TokenHash = tokenHash,
            OwnerId = row.OwnerId,
            Name = name,
            CreatedAt = now,
            LastSeenAt = now,
        };
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE pairing_codes SET used_at = @now WHERE selector = @selector", new { now, selector }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO owner_tokens (token_hash, id, owner_id, name, created_at, last_seen_at, revoked_at) VALUES (@TokenHash, @Id, @OwnerId, @Name, @CreatedAt, @LastSeenAt, NULL)",
            device,
            scope.Transaction,
            cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return (token, device);
    }

    /// <summary>
    /// Revokes one of the owner's devices, their first token included; false when they have no such device. Revoking twice
    /// keeps the first time.
    /// </summary>
    public async Task<bool> RevokeAsync(string ownerId, Guid id, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var found = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE owner_tokens SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @id AND owner_id = @ownerId",
            new { id, ownerId, now },
            scope.Transaction,
            cancellationToken: cancellationToken));
        if (found == 0 && id == DeviceId(ownerId))
        {
            var first = FirstDevice(ownerId);
            first.RevokedAt = now;
            found = await scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO owner_tokens (token_hash, id, owner_id, name, created_at, last_seen_at, revoked_at) VALUES (@TokenHash, @Id, @OwnerId, @Name, NULL, NULL, @RevokedAt)",
                first,
                scope.Transaction,
                cancellationToken: cancellationToken));
        }

        await scope.CommitAsync(cancellationToken);
        return found > 0;
    }

    /// <summary>The owner's first token as listed before it has a row.</summary>
    private static DeviceRow FirstDevice(string ownerId) =>
        new() { Id = DeviceId(ownerId), TokenHash = ownerId, OwnerId = ownerId, Name = "First device" };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up an owner token in the gallery database")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception);
}
