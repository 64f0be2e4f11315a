using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Configuration section <c>Cleanup</c>: the content sweep, which deletes originals and renditions no photo uses
/// (<see cref="ContentSweeper"/>; the protocol is in docs/architecture.md, "Blob clean-up").
/// </summary>
internal sealed class CleanupOptions
{
    public const string SectionName = "Cleanup";

    /// <summary>False stops this replica from sweeping; deleting a photo still deletes the content it was the last to use.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A blob written or touched more recently than this is never swept: an upload stores its original before it
    /// registers the photo, and the worker writes renditions before it reports them. Keep it well above the longest an
    /// upload takes from storing to registering, and above the clock difference between this host and storage.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Time between sweeps; the first runs one interval after start, so restarts do not each list the store.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Blobs whose content hashes are checked against the photos with one query.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 500;
}
