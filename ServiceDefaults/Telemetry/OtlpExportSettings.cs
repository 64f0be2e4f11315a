using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Scrapbook.ServiceDefaults.Telemetry;

/// <summary>
/// Where and how to export, read from the host's configuration (environment variables, as Aspire and Azure
/// Container Apps hand them over). Absent <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> means no export at all.
/// </summary>
internal sealed record OtlpExportSettings(Uri Endpoint, OtlpExportProtocol Protocol)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public static OtlpExportSettings? FromConfiguration(IConfiguration configuration)
    {
        var endpoint = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{EndpointKey} must be an absolute http(s) URI; it is '{endpoint}'.");
        }

        var protocol = configuration[ProtocolKey]?.Trim() switch
        {
            null or "" or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            var other => throw new InvalidOperationException(
                $"{ProtocolKey} '{other}' is not supported; use 'http/protobuf' (the default) or 'grpc'."),
        };

        return new OtlpExportSettings(uri, protocol);
    }

    /// <param name="options">The exporter options to fill in.</param>
    /// <param name="signalPath">The OTLP/HTTP path of the signal, such as <c>v1/traces</c>.</param>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = Protocol;

        if (Protocol != OtlpExportProtocol.HttpProtobuf)
        {
            options.Endpoint = Endpoint;
            return;
        }

        // The 1.20 exporter appends /v1/{signal} only to an endpoint it read from OTEL_EXPORTER_OTLP_ENDPOINT
        // itself; an endpoint set in code is used as given, and OTLP/HTTP needs the per-signal path.
        options.Endpoint = new Uri($"{Endpoint.AbsoluteUri.TrimEnd('/')}/{signalPath}");

        // A plain client: the host's IHttpClientFactory would add our resilience and service discovery handlers
        // to the exporter's calls, and their logs would feed back into the log exporter.
        options.HttpClientFactory = () => new HttpClient { Timeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds) };
    }
}
