using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>The outbox relay (configuration section <c>Outbox</c>).</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>False stops this replica from relaying (rows stay in the outbox for another replica or a restart).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the relay looks for unsent rows when no commit woke it (other replicas' commits, retries).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the relay waits after an error before it tries again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long sent rows are kept: <c>GET /internal/events?after=</c> replays from them. Older ones are deleted;
    /// a client further behind than that gets a reset from Notify.Api.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often sent rows past <see cref="Retention"/> are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>The stream is capped near this many entries (<c>XADD … MAXLEN ~</c>); older events stay in the outbox.</summary>
    [Range(100, 10_000_000)]
    public long StreamMaxLength { get; set; } = 10_000;
}
