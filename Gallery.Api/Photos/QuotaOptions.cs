using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Configuration section <c>Quota</c>: how much one owner may keep. Off by default (a self-hosted party wall trusts its
/// guests); the Azure deployment turns it on, so that anonymous sessions cannot fill the storage account.
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quota";

    /// <summary>Photos one owner may have, in any state; none when unset.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxPhotosPerOwner { get; set; }

    /// <summary>Bytes of originals one owner may have; none when unset.</summary>
    [Range(1, long.MaxValue)]
    public long? MaxBytesPerOwner { get; set; }

    public bool IsOn => MaxPhotosPerOwner is not null || MaxBytesPerOwner is not null;
}
