using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Configuration;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Uploads;
using Scrapbook.Upload.Api.UrlFetch;

namespace Scrapbook.Upload.Api;

/// <summary>Every setting Upload.Api reads (see <see cref="ServiceSettings"/>).</summary>
internal static class UploadApiSettings
{
    public const string Blobs = "blobs";
    public const string Gallery = "gallery-api";

    /// <summary>Owner-token revocations are announced here (Upload.Api keeps working while it is down).</summary>
    public const string Redis = "redis";

    /// <summary>The container direct uploads are written to and checked in before their bytes join the originals.</summary>
    public const string StagingContainer = "staging";

    public static ServiceSettings Declared { get; } = new("upload-api")
    {
        Required = [ServiceSettings.ConnectionString(Blobs), ServiceSettings.ServiceReference(Gallery), new(ServiceSettings.ConnectionString(Redis)) { Secret = true }],
        Optional = [UploadOptions.SectionName, DirectUploadOptions.SectionName, UrlFetchOptions.SectionName, ImagingOptions.SectionName, AdminKeyAuthenticationOptions.SectionName, OwnerTokenOptions.SectionName],
    };
}
