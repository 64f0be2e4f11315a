using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Upload.Api.DirectUploads;

/// <summary>
/// Uploads that go straight to blob storage through a short-lived URL and are checked when the client completes them,
/// bound from "DirectUploads". The per-file byte limit is Imaging:MaxBytes, as for every upload.
/// </summary>
public sealed class DirectUploadOptions
{
    public const string SectionName = "DirectUploads";

    /// <summary>Off: <c>POST /api/uploads/direct</c> answers 404 and clients send the bytes through the gateway.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long the upload URL (a SAS) is valid. At most 15 minutes: a SAS cannot cap the size of what is written.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:15:00")]
    public TimeSpan UploadWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long after the URL expires the upload may still be completed (a client that finished writing just in time).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:15:00")]
    public TimeSpan CompletionGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Direct uploads one owner may have open (granted and neither completed, cancelled nor expired) at once.</summary>
    [Range(1, 64)]
    public int MaxOpenPerOwner { get; set; } = 4;

    /// <summary>How often the sweeper removes expired tickets and staging blobs nobody completed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After this long a ticket or staging blob can no longer be completed, and the sweeper removes it.</summary>
    internal TimeSpan OpenFor => UploadWindow + CompletionGrace;
}
