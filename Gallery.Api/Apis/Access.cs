using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>Admin access (configuration section <c>Admin</c>). No key configured means no admin at all.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public const string HeaderName = "X-Admin-Key";

    public string? Key { get; set; }
}

/// <summary>Who is asking: the owner (from the owner token) and whether the admin key came with the request.</summary>
internal readonly record struct Caller(string? OwnerId, bool IsAdmin, bool PresentedAdminKey)
{
    public bool CanSee(Photo photo) => photo.IsPublic || CanEdit(photo);

    public bool CanEdit(Photo photo) => IsAdmin || (OwnerId is not null && OwnerId == photo.OwnerId);

    /// <summary>401 when the caller proved nothing, 403 when what they proved does not reach the photo.</summary>
    public ProblemHttpResult Refuse() => OwnerId is null && !PresentedAdminKey
        ? Problems.Unauthorized("Send your owner token (cookie or Authorization: Bearer) or the admin key.")
        : Problems.Forbidden("Only the photo's owner or an admin may change it.");
}

internal static class Access
{
    public static Caller Identify(HttpContext context)
    {
        var admin = CheckAdmin(context);
        return new Caller(OwnerToken.GetOwnerId(context), admin == AdminCheck.Valid, admin != AdminCheck.Absent);
    }

    /// <summary>Null when the request carries the admin key; otherwise the 401 (no key sent) or 403 (wrong key) to answer.</summary>
    public static ProblemHttpResult? RequireAdmin(HttpContext context) => CheckAdmin(context) switch
    {
        AdminCheck.Valid => null,
        AdminCheck.Absent => Problems.Unauthorized($"Admin endpoints need the {AdminOptions.HeaderName} header."),
        _ => Problems.Forbidden("The admin key is not valid."),
    };

    private static AdminCheck CheckAdmin(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue(AdminOptions.HeaderName, out var values) || values is not [{ Length: > 0 } presented])
        {
            return AdminCheck.Absent;
        }

        var configured = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Key;
        if (string.IsNullOrEmpty(configured))
        {
            return AdminCheck.Invalid;
        }

        // Hashing first gives equal lengths, so the comparison's time says nothing about the key.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? AdminCheck.Valid : AdminCheck.Invalid;
    }

    private enum AdminCheck
    {
        Absent,
        Valid,
        Invalid,
    }
}
