namespace Scrapbook.Bench.Soak;

/// <summary>The faults the soak can inject, each on its turn of the schedule, in this order (the slowest to recover last).</summary>
public enum Fault
{
    /// <summary>SIGKILL of a thumbnail worker while uploads are being rendered.</summary>
    KillWorker,

    /// <summary>An SSE client that stops reading: the server must cut it off, not buffer for it.</summary>
    SlowClient,

    /// <summary>Gallery.Api dies (failpoint) after committing an outbox row and before sending it.</summary>
    KillGalleryBeforeSend,

    /// <summary>One address sends uploads as fast as it can: it, and only it, is rate limited.</summary>
    Flood,

    /// <summary>Gallery.Api dies (failpoint) after sending an outbox row and before marking it sent: it is sent twice.</summary>
    KillGalleryAfterSend,

    /// <summary>SIGKILL of Notify.Api: every SSE connection breaks and resumes with Last-Event-ID.</summary>
    KillNotify,

    /// <summary>SIGKILL of the gateway: every client's connections break.</summary>
    KillGateway,

    /// <summary>redis-server stopped and started by the AppHost.</summary>
    RestartRedis,

    /// <summary>Azurite (blobs and queues) stopped and started by the AppHost.</summary>
    RestartAzurite,
}

/// <summary>How a soak run is driven.</summary>
public sealed record SoakOptions
{
    /// <summary>How long the mix is driven; checks follow.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Upload clients, each its own owner and its own loopback address, one upload in flight each.</summary>
    public int Uploaders { get; init; } = 4;

    /// <summary>SSE clients that follow the public stream, disconnect and resume.</summary>
    public int Followers { get; init; } = 3;

    public IReadOnlyList<Fault> Faults { get; init; } = Enum.GetValues<Fault>();

    /// <summary>The first fault comes after this long; then one every <see cref="FaultInterval"/>, in turn.</summary>
    public TimeSpan FirstFault { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>JPEGs (12–24 MP camera-like photos) each upload draws from, made distinct by a comment; small generated ones when null.</summary>
    public string? CorpusDirectory { get; init; }

    /// <summary>How long the flood lasts each time it comes round.</summary>
    public TimeSpan FloodLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after its first sighting a process counts as warmed up, for its memory baseline. Three minutes: in a
    /// 5-minute run with a flood every 100 s, every service's resident set rose for the first two to three minutes (the
    /// GC sizing its heaps to the flood's allocation rate, the JIT's second tier, pools) and then levelled off.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The blob clean-up's grace period and interval in this run: blobs without a photo must be gone this long after the end.</summary>
    public TimeSpan CleanupGrace { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where progress lines go.</summary>
    public Action<string> Log { get; init; } = Console.WriteLine;
}
