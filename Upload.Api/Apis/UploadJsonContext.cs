using System.Text.Json;
using System.Text.Json.Serialization;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.Apis;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(UrlUploadRequest))]
[JsonSerializable(typeof(IReadOnlyList<UploadItemResult>))]
[JsonSerializable(typeof(DirectUploadRequest))]
[JsonSerializable(typeof(DirectUploadGrant))]
[JsonSerializable(typeof(DirectUploadTicket))]
internal sealed partial class UploadJsonContext : JsonSerializerContext;
