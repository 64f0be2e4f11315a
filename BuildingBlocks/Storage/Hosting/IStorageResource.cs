namespace Scrapbook.Storage;

/// <summary>A container or queue a store depends on: created at start when missing, probed by health checks.</summary>
internal interface IStorageResource
{
    /// <summary>For logs and health reports, e.g. <c>blob container 'scrapbook' (account devstoreaccount1)</c>.</summary>
    string Description { get; }

    /// <summary>Creates the resource when it does not exist; succeeds when it already does.</summary>
    Task EnsureCreatedAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns <c>null</c> when the resource is reachable and exists, otherwise why not.</summary>
    Task<string?> ProbeAsync(CancellationToken cancellationToken = default);
}
