using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>What a caller may do with one photo, asked through <see cref="IAuthorizationService"/>.</summary>
internal static class PhotoOperations
{
    /// <summary>See it: everyone once it is public; its owner and admins in any state.</summary>
    public static readonly OperationAuthorizationRequirement See = new() { Name = nameof(See) };

    /// <summary>Change or delete it, and read why it failed: its owner and admins.</summary>
    public static readonly OperationAuthorizationRequirement Change = new() { Name = nameof(Change) };
}

/// <summary>Decides <see cref="PhotoOperations"/> for one photo from the caller's owner id and admin claim.</summary>
internal sealed class PhotoAuthorizationHandler : AuthorizationHandler<OperationAuthorizationRequirement, Photo>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperationAuthorizationRequirement requirement, Photo photo)
    {
        var ownsOrAdministers = context.User.IsAdmin() || context.User.GetOwnerId() == photo.OwnerId;
        if (ownsOrAdministers || (requirement == PhotoOperations.See && photo.IsPublic))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
