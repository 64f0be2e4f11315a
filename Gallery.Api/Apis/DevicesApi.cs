using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Devices;
using Scrapbook.ServiceDefaults;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// One scrapbook on every device: an owner asks for a pairing code (<c>/api/me/pairing-codes</c>), another device redeems
/// it (<c>/api/pairing</c>) for a token of its own acting as the same owner, and the owner lists and revokes their devices
/// (<c>/api/me/devices</c>). <c>/internal/owner-tokens/{hash}</c> tells the other services whom a token acts for.
/// </summary>
internal static class DevicesApi
{
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var owner = app.MapGroup("/api/me").WithTags("Devices").RequireAuthorization(ScrapbookPolicies.Owner);
        owner.MapGet("/devices", ListMyDevices).WithName(nameof(ListMyDevices))
            .WithSummary("List my devices")
            .WithDescription("Every owner token that acts as you and still works: this one first (`current`), then the newest. `first` marks the token you began with.");
        owner.MapDelete("/devices/{id:guid}", RevokeDevice).WithName(nameof(RevokeDevice))
            .WithSummary("Revoke a device")
            .WithDescription("Its token stops acting as you, in every service within seconds, for good. Revoking the device you ask from signs it out.")
            .ProducesProblems(ProblemTypes.NotFound);
        owner.MapPost("/pairing-codes", CreatePairingCode).WithName(nameof(CreatePairingCode))
            .WithSummary("Get a code to pair another device")
            .WithDescription("An eight-character code, valid for a few minutes (`expiresAt`; five unless configured) and once, that another device redeems with `POST /api/pairing` to act as you. A new code replaces the one before.");

        // Whatever token the device holds (none, a stranger's, a revoked one) has no say in pairing.
        app.MapPost("/api/pairing", RedeemPairingCode).WithName(nameof(RedeemPairingCode)).WithTags("Devices")
            .AllowAnonymous()
            .WithSummary("Pair this device with a code")
            .WithDescription(
                "Redeems a pairing code for a new owner token of this device's own, acting as the owner who made the code: in the body, " +
                "and as the HttpOnly `sb_owner` cookie for browsers. A code that does not work, for whatever reason, gets one and the same 404.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.PairingCodeNotValid);

        app.MapGet("/internal/owner-tokens/{tokenHash}", ResolveOwnerToken).WithName(nameof(ResolveOwnerToken)).WithTags("Internal").ExcludeFromDescription();
        return app;
    }

    public static async Task<Ok<DeviceList>> ListMyDevices(ClaimsPrincipal user, DeviceStore store, HttpContext context, CancellationToken cancellationToken = default)
    {
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new DeviceList(await store.ListAsync(user.GetOwnerId()!, user.GetTokenHash(), cancellationToken)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeDevice(
        Guid id, ClaimsPrincipal user, DeviceStore store, OwnerTokenRevocations revocations, CancellationToken cancellationToken = default)
    {
        var ownerId = user.GetOwnerId()!;
        if (!await store.RevokeAsync(ownerId, id, cancellationToken))
        {
            return TypedResults.Problem($"You have no device {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);
        }

        await revocations.AnnounceAsync(ownerId, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Created<PairingCodeDto>> CreatePairingCode(
        ClaimsPrincipal user, HttpContext context, DeviceStore store, CancellationToken cancellationToken = default)
    {
        var name = DeviceNames.Choose(null, context.Request.Headers.UserAgent);
        var (code, expiresAt) = await store.CreateCodeAsync(user.GetOwnerId()!, user.GetTokenHash()!, name, cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created("/api/me/devices", new PairingCodeDto(PairingCodes.Display(code), expiresAt, $"/pair?code={code}"));
    }

    public static async Task<Results<Ok<PairedDeviceDto>, ProblemHttpResult>> RedeemPairingCode(
        PairingRedeemRequest? request, HttpContext context, DeviceStore store, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            return Problems.Malformed("Send {\"code\": \"ABCD-EFGH\"} with the code shown on your other device.");
        }

        var name = DeviceNames.Choose(request.Name, context.Request.Headers.UserAgent);
        if (await store.RedeemAsync(request.Code, name, cancellationToken) is not var (token, device))
        {
            return TypedResults.Problem(
                "This code does not work: it may be mistyped, used already or expired. Ask your other device for a new one.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Not a working pairing code.",
                type: ProblemTypes.PairingCodeNotValid);
        }

        OwnerToken.AppendCookie(context.Response, token);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Cookie);
        return TypedResults.Ok(new PairedDeviceDto(token, device.ToDto(device.TokenHash)));
    }

    /// <summary>Whom a token hash acts for, from the database itself (never a cached answer): the other services' resolver.</summary>
    public static async Task<Results<Ok<OwnerTokenResolutionDto>, ProblemHttpResult>> ResolveOwnerToken(
        string tokenHash, DeviceStore store, CancellationToken cancellationToken = default)
    {
        if (tokenHash is not { Length: 64 } || !tokenHash.All(char.IsAsciiHexDigitLower))
        {
            return Problems.Malformed("The token hash must be 64 lowercase hex characters.");
        }

        return TypedResults.Ok(new OwnerTokenResolutionDto(await store.FindOwnerAsync(tokenHash, cancellationToken)));
    }
}
