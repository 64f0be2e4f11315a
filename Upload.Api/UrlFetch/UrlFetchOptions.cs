using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Upload.Api.UrlFetch;

/// <summary>How <c>POST /api/uploads/url</c> fetches images, bound from "UrlFetch".</summary>
public sealed class UrlFetchOptions
{
    public const string SectionName = "UrlFetch";

    /// <summary>Everything — connecting, every redirect hop, the whole body — must finish within this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per connection attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Redirects followed, each one checked again as if it were the first URL.</summary>
    [Range(0, 10)]
    public int MaxRedirects { get; set; } = 5;

    /// <summary>
    /// Lets tests fetch from a server on 127.0.0.0/8 or ::1. Only loopback: every other blocked range stays
    /// blocked. Off by default, and must never be set in production.
    /// </summary>
    public bool AllowLoopbackForTesting { get; set; }

    public string UserAgent { get; set; } = "Scrapbook/1.0 (+url upload)";
}
