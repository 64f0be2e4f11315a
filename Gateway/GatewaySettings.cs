using Scrapbook.ServiceDefaults.Configuration;

namespace Scrapbook.Gateway;

/// <summary>Every setting the Gateway reads (see <see cref="ServiceSettings"/>).</summary>
internal static class GatewaySettings
{
    public const string Blobs = "blobs";

    /// <summary>YARP's routes and clusters; the clusters name these services, found through service discovery.</summary>
    public const string ReverseProxy = "ReverseProxy";

    public static ServiceSettings Declared { get; } = new("gateway")
    {
        Required =
        [
            ServiceSettings.ConnectionString(Blobs),
            ServiceSettings.ServiceReference("upload-api"),
            ServiceSettings.ServiceReference("gallery-api"),
            ServiceSettings.ServiceReference("notify-api"),
        ],
        Optional = [GatewayOptions.SectionName, ReverseProxy, PublicAddressOptions.SectionName],
    };
}
