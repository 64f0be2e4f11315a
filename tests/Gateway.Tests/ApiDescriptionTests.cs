using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>Gallery.Api, Upload.Api and Notify.Api as real processes behind the gateway, for the merged API description.</summary>
public sealed class ServicesBehindGateway : IAsyncLifetime
{
    private readonly List<ServiceUnderTest> _services = [];
    private GatewayServer? _gateway;

    /// <summary>The address people reach this site at, as a laptop serving a party on its LAN would set it.</summary>
    public const string PublicBaseUrl = "https://party.example:8443/";

    public BackingServers Servers { get; } = new();

    internal GatewayServer Gateway => _gateway!;

    /// <summary>Gallery.Api itself, for what only its peers do (the worker reporting renditions).</summary>
    public Uri GalleryAddress { get; private set; } = null!;

    private Dictionary<string, string?> _gatewaySettings = [];

    public async ValueTask InitializeAsync()
    {
        await Servers.InitializeAsync();
        var gallery = await StartAsync("Gallery.Api", "gallery-api", null);
        GalleryAddress = gallery.BaseAddress;
        var discovery = new Dictionary<string, Uri[]> { ["gallery-api"] = [gallery.BaseAddress] };
        var upload = await StartAsync("Upload.Api", "upload-api", discovery);
        var notify = await StartAsync("Notify.Api", "notify-api", discovery);
        _gatewaySettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = Servers.Azurite.ConnectionString,
            ["services:gallery-api:http:0"] = gallery.BaseAddress.ToString().TrimEnd('/'),
            ["services:upload-api:http:0"] = upload.BaseAddress.ToString().TrimEnd('/'),
            ["services:notify-api:http:0"] = notify.BaseAddress.ToString().TrimEnd('/'),
            ["Scrapbook:PublicBaseUrl"] = PublicBaseUrl,
        };
        _gateway = new GatewayServer(_gatewaySettings);
        _gateway.StartServer();
    }

    /// <summary>Another gateway in front of the same services, with <paramref name="overrides"/>; the caller disposes it.</summary>
    internal GatewayServer StartGateway(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(_gatewaySettings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var gateway = new GatewayServer(settings);
        gateway.StartServer();
        return gateway;
    }

    private async Task<ServiceUnderTest> StartAsync(string project, string name, Dictionary<string, Uri[]>? discovery)
    {
        var service = await ServiceUnderTest.StartAsync(project, $"Scrapbook.{project}", Servers.EnvironmentFor(name, discovery));
        _services.Add(service);
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }
}

/// <summary><c>/openapi/v1.json</c> (the services' documents merged by the gateway) and the Scalar reference at <c>/api/docs</c>.</summary>
public sealed class ApiDescriptionTests(ServicesBehindGateway system) : IClassFixture<ServicesBehindGateway>
{
    /// <summary>Every public operation the gateway serves, by operation id: a new endpoint must be added here on purpose.</summary>
    private static readonly string[] s_publicOperations =
    [
        "POST /api/session CreateSession",
        "POST /api/uploads Upload",
        "POST /api/uploads/url UploadFromUrl",
        "POST /api/uploads/direct StartDirectUpload",
        "POST /api/uploads/{id}/complete CompleteDirectUpload",
        "DELETE /api/uploads/{id} CancelDirectUpload",
        "GET /api/photos ListPhotos",
        "GET /api/photos/{id} GetPhoto",
        "PATCH /api/photos/{id} UpdatePhoto",
        "DELETE /api/photos/{id} DeletePhoto",
        "GET /api/me/photos ListMyPhotos",
        "GET /api/me/links ListMyShareLinks",
        "GET /api/me/export ExportMyScrapbook",
        "DELETE /api/me/links/{id} RevokeShareLink",
        "POST /api/albums/{id}/links CreateAlbumShareLink",
        "POST /api/photos/{id}/links CreatePhotoShareLink",
        "GET /api/shared/{token} GetShared",
        "GET /api/shared/{token}/photos ListSharedPhotos",
        "POST /api/shared/{token}/uploads UploadAsGuest",
        "GET /api/shared/{token}/events StreamSharedAlbumEvents",
        "GET /api/me/devices ListMyDevices",
        "DELETE /api/me/devices/{id} RevokeDevice",
        "POST /api/me/pairing-codes CreatePairingCode",
        "POST /api/pairing RedeemPairingCode",
        "GET /api/albums ListMyAlbums",
        "POST /api/albums CreateAlbum",
        "GET /api/albums/{id} GetAlbum",
        "PATCH /api/albums/{id} UpdateAlbum",
        "DELETE /api/albums/{id} DeleteAlbum",
        "GET /api/albums/{id}/photos ListAlbumPhotos",
        "PUT /api/albums/{id}/photos/{photoId} AddAlbumPhoto",
        "DELETE /api/albums/{id}/photos/{photoId} RemoveAlbumPhoto",
        "POST /api/albums/{id}/photos/{photoId}/move MoveAlbumPhoto",
        "POST /api/albums/{id}/photos/{photoId}/approve ApproveAlbumPhoto",
        "GET /api/events StreamEvents",
    ];

    private static readonly string[] s_adminOperations =
    [
        "GET /api/admin/settings GetSettings",
        "PUT /api/admin/settings UpdateSettings",
        "GET /api/admin/stats GetStats",
        "GET /api/admin/moderation ListModerationQueue",
        "POST /api/admin/moderation/{id}/approve ApprovePhoto",
        "POST /api/admin/moderation/{id}/reject RejectPhoto",
        "GET /api/webhooks ListWebhooks",
        "POST /api/webhooks CreateWebhook",
        "GET /api/webhooks/{id} GetWebhook",
        "PATCH /api/webhooks/{id} UpdateWebhook",
        "DELETE /api/webhooks/{id} DeleteWebhook",
        "POST /api/webhooks/{id}/rotate-secret RotateWebhookSecret",
        "POST /api/webhooks/{id}/test SendWebhookTest",
        "GET /api/webhooks/{id}/attempts ListWebhookAttempts",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheMergedDocumentReadsWithoutErrorsAndHoldsExactlyThePublicOperations()
    {
        var (json, document) = await ReadAsync(adminKey: null);

        Assert.Equal(s_publicOperations.Order(), Operations(document).Order());
        Assert.StartsWith("3.1", json["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(json["servers"]);
        Assert.DoesNotContain(document.Paths.Keys, path => path.StartsWith("/internal", StringComparison.Ordinal) || path.StartsWith("/api/admin", StringComparison.Ordinal));
    }

    /// <summary>
    /// The checked-in copy the .NET client is generated from (<c>clients/Scrapbook.Client/openapi.json</c>) is the document
    /// the gateway serves. <c>scripts/generate-client.sh</c> runs this test with <c>SCRAPBOOK_UPDATE_OPENAPI=1</c>, which
    /// writes the copy instead of comparing, and then regenerates the client from it.
    /// </summary>
    [Fact]
    public async Task TheClientIsGeneratedFromTheDocumentTheGatewayServes()
    {
        var snapshot = RepoPaths.Combine("clients", "Scrapbook.Client", "openapi.json");
        var (json, _) = await ReadAsync(adminKey: null);
        var served = json.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";

        if (Environment.GetEnvironmentVariable("SCRAPBOOK_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(snapshot, served, Ct);
        }

        Assert.True(
            File.Exists(snapshot) && await File.ReadAllTextAsync(snapshot, Ct) == served,
            "clients/Scrapbook.Client/openapi.json is not the document the gateway serves: run scripts/generate-client.sh.");
    }

    [Fact]
    public async Task TheAdminKeyAddsTheAdminOperationsAndAWrongKeyDoesNot()
    {
        var (_, withKey) = await ReadAsync(system.Servers.AdminKey);
        var (_, wrongKey) = await ReadAsync("not-the-admin-key");

        Assert.Equal(s_publicOperations.Concat(s_adminOperations).Order(), Operations(withKey).Order());
        Assert.Equal(s_publicOperations.Order(), Operations(wrongKey).Order());
    }

    [Fact]
    public async Task OperationsSayWhoMayCallThemAndWhichProblemsTheyAnswer()
    {
        var (json, document) = await ReadAsync(system.Servers.AdminKey);
        var paths = json["paths"]!;

        Assert.Equal(["adminKey", "ownerCookie", "ownerToken"], document.Components!.SecuritySchemes!.Keys.Order());
        Assert.Null(paths["/api/photos"]!["get"]!["security"]);
        Assert.Equal(["ownerToken", "ownerCookie"], Schemes(paths["/api/uploads"]!["post"]!));
        Assert.Equal(["adminKey"], Schemes(paths["/api/admin/stats"]!["get"]!));

        var upload = paths["/api/uploads"]!["post"]!;
        Assert.Contains(ProblemTypes.TooLarge, ProblemTypesOf(upload, "413"));
        Assert.Equal([ProblemTypes.UndecodableImage, ProblemTypes.TooManyPixels, ProblemTypes.TooManyFrames], ProblemTypesOf(upload, "422"));
        Assert.Equal([ProblemTypes.Unauthorized], ProblemTypesOf(upload, "401"));
        Assert.NotNull(upload["responses"]!["413"]!["content"]!["application/problem+json"]!["schema"]);
        Assert.NotNull(upload["requestBody"]!["content"]!["multipart/form-data"]);
        Assert.NotNull(upload["requestBody"]!["content"]!["image/*"]);
        Assert.NotNull(paths["/api/uploads/url"]!["post"]!["requestBody"]!["content"]!["application/json"]);
        var events = paths["/api/events"]!["get"]!;
        Assert.NotNull(events["responses"]!["200"]!["content"]!["text/event-stream"]);
        Assert.Contains(events["parameters"]!.AsArray(), p => (string?)p!["name"] == "Last-Event-ID" && (string?)p["in"] == "header");
        Assert.Equal(["ownerToken", "ownerCookie"], Schemes(events));
        Assert.Contains(events["security"]!.AsArray(), requirement => requirement!.AsObject().Count == 0);

        Assert.All(document.Paths.Values.SelectMany(p => p.Operations!.Values), operation =>
        {
            Assert.False(string.IsNullOrEmpty(operation.OperationId));
            Assert.False(string.IsNullOrEmpty(operation.Summary), $"{operation.OperationId} has no summary");
        });
    }

    [Fact]
    public async Task TheApiReferencePageIsServedWithItsScriptAllowedByNonceOnly()
    {
        using var client = system.Gateway.CreateGatewayClient();
        using var page = await client.GetAsync("/api/docs", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // Scalar's loader resolves the document's address against the site root: /openapi/v1.json.
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        using var bundle = await client.GetAsync("/api/docs/scalar.js", Ct);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Equal("text/javascript", bundle.Content.Headers.ContentType?.MediaType);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Matches("script-src 'self' 'nonce-[^']+'", policy);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html.Replace("https://scrapbook.dev", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheUploadQrCodeIsAnSvgOfThePublicUploadAddressDrawnByTheGateway()
    {
        using var client = system.Gateway.CreateGatewayClient();
        using var response = await client.GetAsync("/qr/upload.svg", Ct);
        var svg = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://party.example:8443/upload", response.Headers.GetValues("X-Scrapbook-Address").Single());
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("viewBox", svg, StringComparison.Ordinal);
        Assert.Equal("https://party.example:8443/upload", await DecodeQrAsync(svg));
    }

    /// <summary>Rasterizes the SVG with the vips CLI (librsvg) to a greyscale PGM and reads it with ZXing, as a phone's camera would.</summary>
    private static async Task<string?> DecodeQrAsync(string svg)
    {
        using var folder = new TempDirectory("qr");
        var source = Path.Combine(folder.Path, "upload.svg");
        var raster = Path.Combine(folder.Path, "upload.pgm");
        await File.WriteAllTextAsync(source, svg, Ct);
        await Tool.RunAsync("vips", ["colourspace", source + "[scale=2]", raster, "b-w"], timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);

        // Binary PGM: "P5", width, height, maximum value (with '#' comments between), one whitespace, one byte per pixel.
        var bytes = await File.ReadAllBytesAsync(raster, Ct);
        var header = new List<string>();
        var position = 0;
        while (header.Count < 4)
        {
            if (bytes[position] == '#')
            {
                position = Array.IndexOf(bytes, (byte)'\n', position) + 1;
                continue;
            }

            var start = position;
            while (!char.IsWhiteSpace((char)bytes[position]))
            {
                position++;
            }

            header.Add(System.Text.Encoding.ASCII.GetString(bytes, start, position - start));
            position++;
        }

        Assert.Equal("P5", header[0]);
        var (width, height) = (int.Parse(header[1], CultureInfo.InvariantCulture), int.Parse(header[2], CultureInfo.InvariantCulture));
        var pixels = bytes.AsSpan(position, width * height).ToArray();
        var source8 = new ZXing.RGBLuminanceSource(pixels, width, height, ZXing.RGBLuminanceSource.BitmapFormat.Gray8);
        var reader = new ZXing.BarcodeReaderGeneric { Options = { PossibleFormats = [ZXing.BarcodeFormat.QR_CODE], TryHarder = true } };
        return reader.Decode(source8)?.Text;
    }

    private async Task<(JsonNode Json, OpenApiDocument Document)> ReadAsync(string? adminKey)
    {
        using var client = system.Gateway.CreateGatewayClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var result = OpenApiDocument.Parse(text, "json");
        Assert.Empty(result.Diagnostic!.Errors);
        Assert.Empty(result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        return (JsonNode.Parse(text)!, result.Document!);
    }

    private static IEnumerable<string> Operations(OpenApiDocument document) =>
        from path in document.Paths
        from operation in path.Value.Operations!
        select $"{operation.Key.Method} {path.Key} {operation.Value.OperationId}";

    private static string[] Schemes(JsonNode operation) =>
        [.. operation["security"]!.AsArray().SelectMany(requirement => requirement!.AsObject().Select(scheme => scheme.Key))];

    private static string[] ProblemTypesOf(JsonNode operation, string status) =>
        [.. operation["responses"]![status]!["x-problem-types"]!.AsArray().Select(type => type!.GetValue<string>())];
}
