using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>
/// <see cref="IBlobStore"/> on a local directory (connection string <c>file:///path</c>), for development and
/// single-machine deployments. A blob is the file at <c>{root}/{key}</c>. Writes go to a temporary file under
/// <c>{root}/.uploads</c> and are published with a hard link that fails if the key exists (the temporary name is
/// removed either way), so readers never see a partial file and exactly one concurrent writer of a key wins. The
/// ETag is derived from length and last-write time, and the content type from the key's extension (the filesystem
/// has nowhere to keep the one given to put).
/// Unlike Azure, a key cannot also be a "folder" of another key ('a' and 'a/b'); Scrapbook's key scheme never needs it.
/// </summary>
internal sealed partial class FileSystemBlobStore : IBlobStore, IStorageResource
{
    /// <summary>Reserved first key segment holding in-flight uploads; never listed, never a valid key.</summary>
    internal const string UploadsDirectoryName = ".uploads";

    private const int CopyBufferSize = 128 * 1024;

    /// <summary>errno for "already exists"; the same on Linux and macOS.</summary>
    private const int EExist = 17;

    private static readonly FileExtensionContentTypeProvider s_contentTypes = new();

    private readonly string _root;
    private readonly string _uploads;
    private readonly ILogger _logger;

    public FileSystemBlobStore(string root, ILogger<FileSystemBlobStore> logger)
    {
        if (!Path.IsPathFullyQualified(root))
        {
            throw new ArgumentException($"The blob store root '{root}' must be an absolute path.", nameof(root));
        }

        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _uploads = Path.Combine(_root, UploadsDirectoryName);
        _logger = logger;
    }

    public string Description => $"blob directory '{_root}'";

    public async Task<BlobPutOutcome> PutIfAbsentAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var path = GetPath(key);
        ArgumentNullException.ThrowIfNull(content);
        if (File.Exists(path))
        {
            return BlobPutOutcome.AlreadyExists;
        }

        Directory.CreateDirectory(_uploads);
        var temporary = Path.Combine(_uploads, $"{Guid.NewGuid():N}.partial");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0, // CopyToAsync's buffer is the only one needed
            };
            await using (var file = new FileStream(temporary, options))
            {
                await content.CopyToAsync(file, CopyBufferSize, cancellationToken).ConfigureAwait(false);

                // Durable before it becomes visible: a crash after publishing must not leave a short file behind.
                file.Flush(flushToDisk: true);
            }

            CreateParentDirectory(key, path);
            return Publish(temporary, path) ? BlobPutOutcome.Created : BlobPutOutcome.AlreadyExists;
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    public Task<BlobDownload?> OpenReadAsync(string key, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        var path = GetPath(key);
        FileStream file;
        try
        {
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<BlobDownload?>(null);
        }

        try
        {
            var properties = GetProperties(key, new FileInfo(path));
            var (offset, count) = (0L, properties.Length);
            if (range is { } requested)
            {
                (offset, count) = requested.Resolve(properties.Length) ?? throw new BlobRangeNotSatisfiableException(key, requested, properties.Length);
            }

            file.Position = offset;
            Stream content = count == properties.Length ? file : new ReadSliceStream(file, count);
            return Task.FromResult<BlobDownload?>(new BlobDownload(content, properties, offset, count));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(GetPath(key));
        return Task.FromResult(info.Exists ? GetProperties(key, info) : null);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = GetPath(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        try
        {
            File.Delete(path);
            return Task.FromResult(true);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }
    }

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);

        // Start from the deepest directory the prefix pins down instead of walking the whole store.
        var lastSlash = prefix.LastIndexOf('/');
        var directoryKey = lastSlash < 0 ? string.Empty : prefix[..lastSlash];
        if (directoryKey.Length > 0 && BlobKey.GetError(directoryKey) is not null)
        {
            return AsyncEnumerable.Empty<BlobItem>(); // no valid key can start with this prefix
        }

        var directory = directoryKey.Length == 0 ? _root : Path.Combine(_root, directoryKey.Replace('/', Path.DirectorySeparatorChar));
        return Walk(directory, directoryKey, prefix, cancellationToken).ToAsyncEnumerable();
    }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_root))
        {
            Directory.CreateDirectory(_root);
            LogDirectoryCreated(_logger, _root);
        }

        // Uploads orphaned by a crash are never published; clear them out.
        if (Directory.Exists(_uploads))
        {
            foreach (var orphan in Directory.EnumerateFiles(_uploads, "*.partial"))
            {
                if (File.GetLastWriteTimeUtc(orphan) < DateTime.UtcNow.AddHours(-1))
                {
                    TryDelete(orphan);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<string?> ProbeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Directory.Exists(_root) ? null : $"{Description} does not exist");

    /// <summary>Depth-first, entries sorted so keys come out in ordinal order ("a.txt" before "a/b": '.' &lt; '/').</summary>
    private IEnumerable<BlobItem> Walk(string directory, string directoryKey, string prefix, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        var entries = new List<(string SortKey, FileSystemInfo Info)>();
        foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (directoryKey.Length == 0 && info.Name == UploadsDirectoryName)
            {
                continue;
            }

            entries.Add((info is DirectoryInfo ? info.Name + "/" : info.Name, info));
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.SortKey, b.SortKey));
        foreach (var (_, info) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = directoryKey.Length == 0 ? info.Name : $"{directoryKey}/{info.Name}";
            if (info is DirectoryInfo)
            {
                // Descend only where keys below can still match the prefix.
                var below = key + "/";
                if (below.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(below, StringComparison.Ordinal))
                {
                    foreach (var item in Walk(info.FullName, key, prefix, cancellationToken))
                    {
                        yield return item;
                    }
                }
            }
            else if (key.StartsWith(prefix, StringComparison.Ordinal) && info is FileInfo file && file.Exists)
            {
                yield return new BlobItem(key, GetProperties(key, file));
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="temporary"/> visible at <paramref name="path"/> unless something is already there;
    /// false when it is. This must be one atomic step: <see cref="File.Move(string, string, bool)"/> on Unix checks
    /// for the target and then renames, so two writers can both "win". <c>link(2)</c> fails with EEXIST instead, and
    /// Windows' MoveFileEx without MOVEFILE_REPLACE_EXISTING is atomic already.
    /// </summary>
    private static bool Publish(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }

        if (Link(temporary, path) == 0)
        {
            return true; // the temporary name is removed by the caller's finally
        }

        var error = Marshal.GetLastPInvokeError();
        if (error == EExist && !Directory.Exists(path))
        {
            return false;
        }

        throw new IOException($"Cannot publish '{path}': link(2) failed: {Marshal.GetPInvokeErrorMessage(error)}", error);
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);

    private static void CreateParentDirectory(string key, string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (IOException ex)
        {
            throw new IOException(
                $"Cannot store '{key}': part of its path is already a blob, and the filesystem store cannot hold both 'a' and 'a/b'.", ex);
        }
    }

    private string GetPath(string key)
    {
        BlobKey.Validate(key);
        if (key == UploadsDirectoryName || key.StartsWith(UploadsDirectoryName + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid blob key '{key}': '{UploadsDirectoryName}' is reserved by the filesystem store.", nameof(key));
        }

        var path = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));

        // Defence in depth: BlobKey already excludes everything that could climb out of the root.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid blob key '{key}': it resolves outside the store.", nameof(key));
        }

        return path;
    }

    private static BlobProperties GetProperties(string key, FileInfo info)
    {
        var lastWrite = info.LastWriteTimeUtc;
        var etag = string.Create(CultureInfo.InvariantCulture, $"\"{info.Length:x}-{lastWrite.Ticks:x}\"");
        var contentType = s_contentTypes.TryGetContentType(key, out var type) ? type : "application/octet-stream";
        return new BlobProperties(info.Length, etag, contentType, new DateTimeOffset(lastWrite, TimeSpan.Zero));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: an orphaned upload is removed at the next start.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created blob directory {Root}")]
    private static partial void LogDirectoryCreated(ILogger logger, string root);
}
