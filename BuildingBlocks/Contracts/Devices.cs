using System.Security.Cryptography;

namespace Scrapbook.Contracts;

/// <summary>
/// Pairing codes: eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), easy to read out and type.
/// Shown as <c>ABCD-EFGH</c>; any case, spaces and dashes are accepted back.
/// </summary>
public static class PairingCodes
{
    /// <summary>31 characters: digits 2–9 and the letters but I, L and O.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public const int Length = 8;

    /// <summary>A new code from the OS's CSPRNG (31^8, about 2^39.6 codes).</summary>
    public static string Create() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>The code in its canonical form (upper case, no separators), or null when it cannot be a code.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 32)
        {
            return null;
        }

        Span<char> code = stackalloc char[Length];
        var length = 0;
        foreach (var c in typed)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            if (length == Length || !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return null;
            }

            code[length++] = upper;
        }

        return length == Length ? new string(code) : null;
    }

    /// <summary>As people read it: <c>ABCD-EFGH</c>.</summary>
    public static string Display(string code) => code.Length == Length ? $"{code[..4]}-{code[4..]}" : code;
}

/// <summary>
/// <c>POST /api/me/pairing-codes</c>: a code another device redeems within <c>ExpiresAt</c>, once. <c>Url</c> is the
/// site-relative page (<c>/pair?code=…</c>) the QR code points at.
/// </summary>
public sealed record PairingCodeDto(string Code, DateTimeOffset ExpiresAt, string Url);

/// <summary><c>POST /api/pairing</c>: the code, and what to call the new device (its User-Agent when left out).</summary>
public sealed record PairingRedeemRequest(string? Code, string? Name = null);

/// <summary>The new device's own owner token (also set as the <c>sb_owner</c> cookie), acting as the same owner.</summary>
public sealed record PairedDeviceDto(string Token, DeviceDto Device);

/// <summary>
/// One of the owner's devices: an owner token that acts as them. <c>First</c> marks the token the owner began with
/// (its hash is the owner id); <c>Current</c> the one this request came with. <c>LastSeenAt</c> is rough (minutes).
/// </summary>
public sealed record DeviceDto(Guid Id, string Name, DateTimeOffset? CreatedAt, DateTimeOffset? LastSeenAt, bool Current, bool First);

/// <summary><c>GET /api/me/devices</c>: the owner's devices that still work, the current one first.</summary>
public sealed record DeviceList(IReadOnlyList<DeviceDto> Items);

/// <summary>
/// <c>GET /internal/owner-tokens/{hash}</c>: whom a token hash acts for. <c>OwnerId</c> is null when the token was
/// revoked.
/// </summary>
public sealed record OwnerTokenResolutionDto(string? OwnerId);
