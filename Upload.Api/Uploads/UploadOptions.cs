using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>Upload handling, bound from "Uploads". The per-file byte limit is Imaging:MaxBytes.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>Where bodies are streamed to while they are checked; the system temp folder when empty.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Files one multipart request may carry.</summary>
    [Range(1, 100)]
    public int MaxFilesPerRequest { get; set; } = 20;

    /// <summary>Longest caption, in characters (Gallery.Api stores at most 500).</summary>
    [Range(1, 500)]
    public int MaxCaptionLength { get; set; } = 500;

    /// <summary>Longest author name, in characters (Gallery.Api stores at most 100).</summary>
    [Range(1, 100)]
    public int MaxAuthorLength { get; set; } = 100;

    /// <summary>The Retry-After sent with a 503 when Gallery.Api cannot be reached.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Temp files older than this at start were left by a process that died mid-upload, and are deleted.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan OrphanAge { get; set; } = TimeSpan.FromHours(1);

    internal string ResolveTempDirectory() =>
        string.IsNullOrWhiteSpace(TempDirectory) ? Path.Combine(Path.GetTempPath(), "scrapbook-uploads") : TempDirectory;
}
