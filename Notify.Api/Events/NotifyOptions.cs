using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Notify.Api.Events;

/// <summary>The event stream to browsers (configuration section <c>Notify</c>).</summary>
public sealed class NotifyOptions
{
    public const string SectionName = "Notify";

    /// <summary>A <c>: heartbeat</c> comment goes out after this long without an event, so proxies keep the connection open.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> hint: how long a browser waits before it reconnects.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Events one connection may have queued; a client further behind is disconnected and resumes with Last-Event-ID.</summary>
    [Range(1, 100_000)]
    public int ConnectionBufferSize { get; set; } = 256;

    /// <summary>
    /// How long the tail waits for a wake-up before it reads the stream anyway. Events arrive through wake-ups within milliseconds;
    /// this only bounds how late one whose wake-up was lost can be.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan TailSafetyInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts while Redis is unreachable (the wait doubles from 100 ms up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan TailMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events read per XRANGE or Gallery.Api page while replaying.</summary>
    [Range(1, 1000)]
    public int ReplayPageSize { get; set; } = 500;
}
