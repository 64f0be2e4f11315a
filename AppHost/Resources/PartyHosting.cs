using System.Net;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Serving a party from a laptop (docs/hosting-a-party.md): besides its usual http endpoint, the gateway listens on the
/// LAN over HTTPS with a certificate the host provides, since phones only install the app and use its share target in
/// a secure context. Off unless <c>--Party:Certificate</c> names a PEM certificate.
/// </summary>
public static class PartyHostingExtensions
{
    public const string EndpointName = "lan";

    public static IResourceBuilder<ProjectResource> WithPartyHttps(this IResourceBuilder<ProjectResource> gateway, IConfiguration configuration)
    {
        if (configuration["Party:Certificate"] is not { Length: > 0 } certificate)
        {
            return gateway;
        }

        var key = configuration["Party:CertificateKey"] is { Length: > 0 } configuredKey ? configuredKey : Path.ChangeExtension(certificate, ".key");
        foreach (var file in new[] { certificate, key })
        {
            if (!File.Exists(file))
            {
                throw new DistributedApplicationException(
                    $"Party:Certificate: '{Path.GetFullPath(file)}' does not exist. Give a PEM certificate and its key (--Party:CertificateKey), see docs/hosting-a-party.md.");
            }
        }

        var port = configuration.GetValue("Party:Port", 8443);
        var publicUrl = configuration["Party:PublicUrl"] is { Length: > 0 } url ? url : $"https://{Dns.GetHostName()}:{port}/";
        return gateway
            // Not proxied by the orchestrator: Kestrel itself listens on every interface, so phones on the LAN reach it.
            .WithHttpsEndpoint(port: port, targetPort: port, name: EndpointName, isProxied: false)
            .WithEndpoint(EndpointName, endpoint => endpoint.TargetHost = IPAddress.Any.ToString())
            .WithEnvironment("Kestrel__Certificates__Default__Path", Path.GetFullPath(certificate))
            .WithEnvironment("Kestrel__Certificates__Default__KeyPath", Path.GetFullPath(key))
            .WithEnvironment("Scrapbook__PublicBaseUrl", publicUrl);
    }
}
