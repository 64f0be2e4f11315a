using System.Buffers;
using System.Security.Cryptography;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>
/// Bytes received into a temporary file, with their SHA-256 computed on the way in. Disposing deletes the file.
/// </summary>
internal sealed class ReceivedFile : IDisposable
{
    public const string FilePrefix = "upload-";
    public const string FileSuffix = ".tmp";

    private const int BufferSize = 81920;

    private ReceivedFile(string path, string sha256, long length, string? fileName)
    {
        Path = path;
        Sha256 = sha256;
        Length = length;
        FileName = fileName;
    }

    public string Path { get; }

    /// <summary>Lowercase hex.</summary>
    public string Sha256 { get; }

    public long Length { get; }

    /// <summary>What the client called the file, for its own bookkeeping in batch answers; never trusted.</summary>
    public string? FileName { get; }

    /// <summary>
    /// Copies <paramref name="source"/> to a new file in <paramref name="directory"/>, hashing as it goes and holding
    /// one small buffer at a time. Throws <see cref="UploadTooLargeException"/> at the first byte past
    /// <paramref name="maxBytes"/>. On any failure the file is deleted before the exception leaves.
    /// </summary>
    public static async Task<ReceivedFile> ReceiveAsync(Stream source, string directory, long maxBytes, string? fileName, CancellationToken cancellationToken = default)
    {
        var path = System.IO.Path.Combine(directory, FilePrefix + Guid.NewGuid().ToString("N") + FileSuffix);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        throw new UploadTooLargeException(maxBytes, length);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            return new ReceivedFile(path, Convert.ToHexStringLower(hash.GetHashAndReset()), length, fileName);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public FileStream OpenRead() =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Dispose() => TryDelete(Path);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing useful to do; the temp folder is the OS's to clean.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>More bytes than the limit; <see cref="Actual"/> is where reading stopped (at least that many were sent).</summary>
internal sealed class UploadTooLargeException(long limit, long actual)
    : Exception($"The image is larger than {limit} bytes (the limit); reading stopped at {actual} bytes.")
{
    public long Limit { get; } = limit;

    public long Actual { get; } = actual;
}
