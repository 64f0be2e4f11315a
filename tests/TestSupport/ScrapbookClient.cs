using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;

namespace Scrapbook.Testing;

/// <summary>What a client of Scrapbook's public API does, for end-to-end tests and benchmarks.</summary>
public static class ScrapbookClient
{
    /// <summary><c>POST /api/session</c>: a new owner token.</summary>
    public static async Task<string> NewOwnerTokenAsync(HttpClient client, CancellationToken cancellationToken = default)
    {
        using var response = await client.PostAsync("/api/session", content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary><c>POST /api/me/pairing-codes</c>: a code another device redeems to act as the owner of <paramref name="token"/>.</summary>
    public static async Task<PairingCodeDto> NewPairingCodeAsync(HttpClient client, string token, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/pairing-codes");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PairingCodeDto, cancellationToken))!;
    }

    /// <summary><c>POST /api/uploads</c> with a raw body, as the owner of <paramref name="token"/>.</summary>
    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] image, string contentType, string token, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = new ByteArrayContent(image) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request, cancellationToken);
    }

    /// <summary>Polls the photo at <paramref name="location"/> until it is ready or failed, and returns it.</summary>
    public static async Task<PhotoDto> WaitUntilProcessedAsync(HttpClient client, string location, string token, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        var elapsed = Stopwatch.StartNew();
        PhotoDto? photo = null;
        while (elapsed.Elapsed < deadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, location);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                photo = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken);
                if (photo?.Status is PhotoStatus.Ready or PhotoStatus.Failed)
                {
                    return photo;
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{location} not processed after {deadline}: last seen {photo?.Status.ToString() ?? "nothing"}.");
    }

    /// <summary>A noise JPEG made by the <c>vips</c> tool (libvips-tools): nothing is downloaded.</summary>
    public static async Task<byte[]> MakeJpegAsync(string path, int width, int height, CancellationToken cancellationToken = default)
    {
        string[] args = ["gaussnoise", path + "[Q=90]", width.ToString(CultureInfo.InvariantCulture), height.ToString(CultureInfo.InvariantCulture)];
        await Tool.RunAsync("vips", args, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    /// <summary>
    /// <paramref name="jpeg"/> with a comment segment after its start-of-image marker: a valid JPEG with the same pixels and
    /// different bytes (so a different SHA-256), made without re-encoding.
    /// </summary>
    public static byte[] WithJpegComment(byte[] jpeg, string comment)
    {
        var text = System.Text.Encoding.ASCII.GetBytes(comment);
        var segmentLength = text.Length + 2;
        var result = new byte[jpeg.Length + 2 + segmentLength];
        jpeg.AsSpan(0, 2).CopyTo(result);
        result[2] = 0xFF;
        result[3] = 0xFE;
        result[4] = (byte)(segmentLength >> 8);
        result[5] = (byte)segmentLength;
        text.CopyTo(result, 6);
        jpeg.AsSpan(2).CopyTo(result.AsSpan(6 + text.Length));
        return result;
    }
}
