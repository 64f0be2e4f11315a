using System.Net.Http.Headers;
using System.Net.Http.Json;
using Scrapbook.Contracts;

namespace Scrapbook.Upload.Api.Tests.Support;

internal static class Requests
{
    public static ByteArrayContent Raw(byte[] bytes, string contentType = "image/jpeg")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    public static MultipartFormDataContent Multipart(params (string FileName, byte[] Bytes)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (fileName, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "file", fileName);
        }

        return content;
    }

    public static async Task<PhotoDto> PhotoAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, TestContext.Current.CancellationToken))!;

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
