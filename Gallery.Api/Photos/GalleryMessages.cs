using System.Text.Json;
using System.Text.Json.Serialization;
using Scrapbook.Contracts;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// <c>PATCH /api/photos/{id}</c>: a null (or absent) field is left as it is; an empty string clears it.
/// Not in Contracts yet, which has no request type for this.
/// </summary>
public sealed record PhotoPatchRequest(string? Caption, string? Author);

/// <summary>The data of a <c>photo.deleted</c> event: only the id.</summary>
public sealed record DeletedPhotoEvent(Guid Id);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PhotoPatchRequest))]
[JsonSerializable(typeof(DeletedPhotoEvent))]
[JsonSerializable(typeof(PhotoDto))]
internal sealed partial class GalleryJsonContext : JsonSerializerContext;
