using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scrapbook.Contracts;

/// <summary>Source-generated JSON for every contract, camelCase on the wire.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PhotoDto))]
[JsonSerializable(typeof(PhotoSource))]
[JsonSerializable(typeof(PhotoPage))]
[JsonSerializable(typeof(RegisterPhotoRequest))]
[JsonSerializable(typeof(RenditionsCompletedRequest))]
[JsonSerializable(typeof(PhotoFailedRequest))]
[JsonSerializable(typeof(PhotoPatchRequest))]
[JsonSerializable(typeof(PhotoDeletedEvent))]
[JsonSerializable(typeof(ThumbnailJob))]
[JsonSerializable(typeof(EventEnvelope))]
[JsonSerializable(typeof(IReadOnlyList<EventEnvelope>))]
[JsonSerializable(typeof(SettingsDto))]
[JsonSerializable(typeof(AlbumDto))]
[JsonSerializable(typeof(AlbumPage))]
[JsonSerializable(typeof(AlbumCreateRequest))]
[JsonSerializable(typeof(AlbumPatchRequest))]
[JsonSerializable(typeof(AlbumMoveRequest))]
[JsonSerializable(typeof(AlbumPhotoEvent))]
[JsonSerializable(typeof(ShareLinkCreateRequest))]
[JsonSerializable(typeof(ShareLinkDto))]
[JsonSerializable(typeof(ShareLinkPage))]
[JsonSerializable(typeof(SharedDto))]
[JsonSerializable(typeof(ShareLinkGrant))]
[JsonSerializable(typeof(ShareLinkResolveRequest))]
[JsonSerializable(typeof(PairingCodeDto))]
[JsonSerializable(typeof(PairingRedeemRequest))]
[JsonSerializable(typeof(PairedDeviceDto))]
[JsonSerializable(typeof(DeviceDto))]
[JsonSerializable(typeof(DeviceList))]
[JsonSerializable(typeof(OwnerTokenResolutionDto))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
