using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Configuration;
using Scrapbook.Upload.Api.Uploads;
using Scrapbook.Upload.Api.UrlFetch;

namespace Scrapbook.Upload.Api;

/// <summary>Every setting Upload.Api reads (see <see cref="ServiceSettings"/>).</summary>
internal static class UploadApiSettings
{
    public const string Blobs = "blobs";
    public const string Gallery = "gallery-api";

    public static ServiceSettings Declared { get; } = new("upload-api")
    {
        Required = [ServiceSettings.ConnectionString(Blobs), ServiceSettings.ServiceReference(Gallery)],
        Optional = [UploadOptions.SectionName, UrlFetchOptions.SectionName, ImagingOptions.SectionName, AdminKeyAuthenticationOptions.SectionName],
    };
}
