namespace Scrapbook.Messaging;

/// <summary>What the host does with a queue besides using it: create it at start, probe it for the health check.</summary>
internal interface IJobQueueResource
{
    /// <summary>For logs and health reports, e.g. <c>storage queue 'thumbnails' (account devstoreaccount1)</c>.</summary>
    string Description { get; }

    /// <summary>Creates the queue (and its dead-letter queue) when the transport leaves that to the app; succeeds when they exist.</summary>
    Task EnsureCreatedAsync(CancellationToken cancellationToken = default);

    /// <summary>Talks to the service about the queue; throws when it cannot.</summary>
    Task ProbeAsync(CancellationToken cancellationToken = default);
}
