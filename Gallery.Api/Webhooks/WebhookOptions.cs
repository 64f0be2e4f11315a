using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gallery.Api.Webhooks;

/// <summary>How webhooks are delivered (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>False stops this replica from delivering (deliveries wait for another replica or a restart).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Lets endpoints on 127.0.0.0/8 or ::1 receive deliveries: for development and tests only (the local AppHost sets it).
    /// Every other address that is not the public internet stays refused.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>One attempt, connecting, sending and reading the answer's start, must finish within this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before the second attempt; each further one doubles it (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a message is retried after it was made. When it runs out the message fails and its endpoint is disabled,
    /// with the reason.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long the secret before a rotation keeps signing beside the new one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often to look for work when nothing woke the dispatcher (retries coming due, other replicas' events).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages sent at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>How long delivered and failed messages, and their attempts, stay in the log.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromDays(7);
}
