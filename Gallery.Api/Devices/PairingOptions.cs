using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gallery.Api.Devices;

/// <summary>The <c>Pairing</c> section.</summary>
internal sealed class PairingOptions
{
    public const string SectionName = "Pairing";

    /// <summary>How long a pairing code works: long enough to walk to the other device and type it, no longer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:15:00")]
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
