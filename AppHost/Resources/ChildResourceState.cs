using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting.ApplicationModel;

internal static class ChildResourceState
{
    /// <summary>
    /// A resource that only names part of its parent (a database in a server, the blob service of Azurite) has no
    /// process of its own: it is shown waiting until the parent is healthy, then running, so that <c>WaitFor</c> on it
    /// waits for the parent and the dashboard shows it truthfully.
    /// </summary>
    public static IResourceBuilder<T> WithStateOfParent<T>(this IResourceBuilder<T> child, string resourceType)
        where T : IResourceWithParent
    {
        child.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(child.Resource.Parent, (ready, _) =>
            ready.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(
                child.Resource,
                snapshot => snapshot with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow }));
        return child.WithInitialState(new CustomResourceSnapshot
        {
            ResourceType = resourceType,
            State = KnownResourceStates.Waiting,
            Properties = [],
        });
    }
}
