using Scrapbook.Notify.Api.Events;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Configuration;

namespace Scrapbook.Notify.Api;

/// <summary>Every setting Notify.Api reads (see <see cref="ServiceSettings"/>).</summary>
internal static class NotifyApiSettings
{
    public const string Redis = "redis";
    public const string Gallery = "gallery-api";

    public static ServiceSettings Declared { get; } = new("notify-api")
    {
        Required = [new(ServiceSettings.ConnectionString(Redis)) { Secret = true }, ServiceSettings.ServiceReference(Gallery)],
        Optional = [NotifyOptions.SectionName, AdminKeyAuthenticationOptions.SectionName, OwnerTokenOptions.SectionName],
    };
}
