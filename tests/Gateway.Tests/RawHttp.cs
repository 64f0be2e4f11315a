using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scrapbook.Gateway.Tests;

/// <summary>An HTTP/1.1 exchange written byte for byte, for requests HttpClient would normalise.</summary>
internal static class RawHttp
{
    public sealed record Answer(HttpStatusCode Status, HttpResponseMessage Response);

    /// <summary>Sends <paramref name="request"/> as written and reads the response head and body (Content-Length or chunked).</summary>
    public static async Task<Answer> SendAsync(Uri server, string request, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, cancellationToken);
        var stream = tcp.GetStream();
        var bytes = Encoding.ASCII.GetBytes(request);
        try
        {
            await stream.WriteAsync(bytes, cancellationToken);
        }
        catch (IOException)
        {
            // The server may answer and close before it read everything (an early 413); the answer is still there.
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (!IsComplete(received.ToArray()))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        return Parse(received.ToArray());
    }

    private static bool IsComplete(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var head = text[..end];
        var body = text[(end + 4)..];
        if (head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        }

        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
        return length is null || body.Length >= int.Parse(length["content-length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Answer Parse(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = text[..end].Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(end + 4)..];
        var chunked = false;
        var response = new HttpResponseMessage(status);
        var contentHeaders = new List<(string, string)>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            chunked |= name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                contentHeaders.Add((name, value));
            }
        }

        response.Content = new StringContent(chunked ? Dechunk(body) : body);
        response.Content.Headers.Clear();
        foreach (var (name, value) in contentHeaders.Where(h => !h.Item1.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            response.Content.Headers.TryAddWithoutValidation(name, value);
        }

        return new Answer(status, response);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
