using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

/// <summary>The behaviour <see cref="IBlobStore"/> promises, against Azurite; every test has a container of its own.</summary>
public sealed class BlobStoreContractTests(AzuriteServer azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private Task<IBlobStore> CreateStoreAsync(int? listPageSize = null) => StorageTestStores.CreateAsync(azurite, listPageSize);

    [Theory]
    [InlineData(1024)]
    [InlineData((6 * 1024 * 1024) + 123)] // more than one block: Put Block + Put Block List
    public async Task TwoConcurrentPutsOfOneKeyHaveExactlyOneWinnerWhoseContentIsIntact(int size)
    {
        var store = await CreateStoreAsync();
        var first = StreamAssertions.Pattern(size, seed: 1);
        var second = StreamAssertions.Pattern(size, seed: 2);

        using var start = new SemaphoreSlim(0);
        async Task<BlobPutOutcome> PutAsync(byte[] content)
        {
            await start.WaitAsync(Cancellation);
            return await store.PutIfAbsentAsync("race/blob.bin", new NonSeekableStream(new MemoryStream(content)), cancellationToken: Cancellation);
        }

        var putFirst = Task.Run(() => PutAsync(first), Cancellation);
        var putSecond = Task.Run(() => PutAsync(second), Cancellation);
        start.Release(2);
        var outcomes = await Task.WhenAll(putFirst, putSecond);

        Assert.Equal(1, outcomes.Count(o => o == BlobPutOutcome.Created));
        Assert.Equal(1, outcomes.Count(o => o == BlobPutOutcome.AlreadyExists));
        var winner = outcomes[0] == BlobPutOutcome.Created ? first : second;

        await using var download = await store.OpenReadAsync("race/blob.bin", cancellationToken: Cancellation);
        Assert.NotNull(download);
        Assert.Equal(winner, await download.ReadAllAsync(Cancellation));
    }

    [Fact]
    public async Task AWriterWhoseStagedBlocksAnotherWritersCommitDiscardedReportsAlreadyExists()
    {
        // Deterministic version of the race: the second writer stages and commits while the first waits to commit its blocks.
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageTestStores.UniqueName("commit"));
        await container.CreateAsync(cancellationToken: Cancellation);
        var size = (6 * 1024 * 1024) + 321;
        var (first, second) = (StreamAssertions.Pattern(size, seed: 12), StreamAssertions.Pattern(size, seed: 13));
        IBlobStore secondWriter = new AzureBlobStore(container);
        var secondOutcome = default(BlobPutOutcome?);
        var options = new BlobClientOptions();
        options.AddPolicy(
            new BeforeFirst(
                message => message.Request.Uri.Query.Contains("comp=blocklist", StringComparison.Ordinal),
                async () => secondOutcome = await secondWriter.PutIfAbsentAsync("contested.bin", new NonSeekableStream(new MemoryStream(second)), cancellationToken: Cancellation)),
            HttpPipelinePosition.PerCall);
        IBlobStore firstWriter = new AzureBlobStore(new BlobServiceClient(azurite.ConnectionString, options).GetBlobContainerClient(container.Name));

        var firstOutcome = await firstWriter.PutIfAbsentAsync("contested.bin", new NonSeekableStream(new MemoryStream(first)), cancellationToken: Cancellation);

        Assert.Equal(BlobPutOutcome.Created, secondOutcome);
        Assert.Equal(BlobPutOutcome.AlreadyExists, firstOutcome);
        await using var download = await secondWriter.OpenReadAsync("contested.bin", cancellationToken: Cancellation);
        Assert.Equal(second, await download!.ReadAllAsync(Cancellation));
    }

    [Fact]
    public async Task EveryKeyRacedByManyWritersHasExactlyOneCreatedOutcome()
    {
        // Many small races rather than one: a check-then-rename publish loses only now and then.
        const int Keys = 25;
        const int WritersPerKey = 6;
        var store = await CreateStoreAsync();

        using var start = new SemaphoreSlim(0);
        var puts = Enumerable.Range(0, Keys * WritersPerKey).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync(Cancellation);
            var key = $"many/{i % Keys}.bin";
            var outcome = await store.PutIfAbsentAsync(key, new MemoryStream([(byte)i]), cancellationToken: Cancellation);
            return (Key: key, Writer: (byte)i, Outcome: outcome);
        }, Cancellation)).ToArray();
        start.Release(puts.Length);
        var results = await Task.WhenAll(puts);

        foreach (var key in results.GroupBy(r => r.Key))
        {
            var winner = Assert.Single(key, r => r.Outcome == BlobPutOutcome.Created);
            await using var download = await store.OpenReadAsync(key.Key, cancellationToken: Cancellation);
            Assert.Equal([winner.Writer], await download!.ReadAllAsync(Cancellation));
        }
    }

    [Fact]
    public async Task PutOfAnExistingKeyReportsAlreadyExistsAndLeavesTheBlobUnchanged()
    {
        var store = await CreateStoreAsync();
        var original = StreamAssertions.Pattern(100, seed: 3);

        Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("once.bin", new MemoryStream(original), cancellationToken: Cancellation));
        Assert.Equal(BlobPutOutcome.AlreadyExists, await store.PutIfAbsentAsync("once.bin", new MemoryStream(new byte[7]), cancellationToken: Cancellation));

        await using var download = await store.OpenReadAsync("once.bin", cancellationToken: Cancellation);
        Assert.Equal(original, await download!.ReadAllAsync(Cancellation));
    }

    [Fact]
    public async Task PutLeavesTheCallersStreamOpenForTheCallerToDispose()
    {
        var store = await CreateStoreAsync();
        using var seekable = new MemoryStream(StreamAssertions.Pattern(1000, seed: 5));
        using var unseekable = new NonSeekableStream(new MemoryStream(StreamAssertions.Pattern(6 * 1024 * 1024, seed: 6)));

        await store.PutIfAbsentAsync("caller/seekable.bin", seekable, cancellationToken: Cancellation);
        await store.PutIfAbsentAsync("caller/unseekable.bin", unseekable, cancellationToken: Cancellation);

        Assert.Equal(1000, seekable.Position);
        Assert.True(unseekable.CanRead);
    }

    [Fact]
    public async Task RangeReadsReturnTheStartMiddleSuffixAndOpenEndedSlices()
    {
        var store = await CreateStoreAsync();
        var content = StreamAssertions.Pattern(1000, seed: 4);
        await store.PutIfAbsentAsync("ranges.bin", new MemoryStream(content), cancellationToken: Cancellation);

        await AssertRangeAsync(BlobRange.Slice(0, 10), expectedOffset: 0, expectedCount: 10);
        await AssertRangeAsync(BlobRange.Slice(400, 100), expectedOffset: 400, expectedCount: 100);
        await AssertRangeAsync(BlobRange.Last(100), expectedOffset: 900, expectedCount: 100);
        await AssertRangeAsync(BlobRange.Last(5000), expectedOffset: 0, expectedCount: 1000);
        await AssertRangeAsync(BlobRange.From(990), expectedOffset: 990, expectedCount: 10);
        await AssertRangeAsync(BlobRange.Slice(995, 50), expectedOffset: 995, expectedCount: 5);

        // Starting exactly at the end (Azurite answers an empty 206 there, Azure a 416) and past it.
        foreach (var outsideRange in new[] { BlobRange.From(1000), BlobRange.From(1001), BlobRange.Slice(5000, 10) })
        {
            var outside = await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(
                () => store.OpenReadAsync("ranges.bin", outsideRange, Cancellation));
            Assert.Equal(1000, outside.BlobLength);
            Assert.Equal(416, outside.Status);
        }

        async Task AssertRangeAsync(BlobRange range, long expectedOffset, long expectedCount)
        {
            await using var download = await store.OpenReadAsync("ranges.bin", range, Cancellation);
            Assert.NotNull(download);
            Assert.Equal(expectedOffset, download.Offset);
            Assert.Equal(expectedCount, download.Count);
            Assert.Equal(1000, download.Properties.Length);
            Assert.Equal(content.AsSpan((int)expectedOffset, (int)expectedCount).ToArray(), await download.ReadAllAsync(Cancellation));
        }
    }

    [Fact]
    public async Task EveryRangeOfAnEmptyBlobIsUnsatisfiableWhileTheWholeBlobReadsAsEmpty()
    {
        var store = await CreateStoreAsync();
        await store.PutIfAbsentAsync("empty.bin", new MemoryStream(), "text/plain", Cancellation);

        await using (var whole = await store.OpenReadAsync("empty.bin", cancellationToken: Cancellation))
        {
            Assert.NotNull(whole);
            Assert.Equal((0, 0, 0), (whole.Offset, whole.Count, whole.Properties.Length));
            Assert.False(whole.IsPartial);
            Assert.Empty(await whole.ReadAllAsync(Cancellation));
        }

        foreach (var range in new[] { BlobRange.Last(10), BlobRange.From(0), BlobRange.From(3), BlobRange.Slice(0, 5) })
        {
            var unsatisfiable = await Assert.ThrowsAsync<BlobRangeNotSatisfiableException>(
                () => store.OpenReadAsync("empty.bin", range, Cancellation));
            Assert.Equal(0, unsatisfiable.BlobLength);
        }
    }

    [Fact]
    public async Task ASuffixReadOfABlobReplacedMidReadReturnsTheTailOfTheNewVersionNeverAMix()
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageTestStores.UniqueName("replace"));
        await container.CreateAsync(cancellationToken: Cancellation);
        var replacement = StreamAssertions.Pattern(700, seed: 11);
        var replace = new BeforeFirst(message => message.Request.Method == RequestMethod.Get && message.Request.Headers.Contains("If-Match"), async () =>
        {
            var blob = container.GetBlobClient("replaced.bin");
            await blob.DeleteAsync(cancellationToken: Cancellation);
            await blob.UploadAsync(new BinaryData(replacement), Cancellation);
        });
        var options = new BlobClientOptions();
        options.AddPolicy(replace, HttpPipelinePosition.PerCall);
        IBlobStore store = new AzureBlobStore(new BlobServiceClient(azurite.ConnectionString, options).GetBlobContainerClient(container.Name));
        await store.PutIfAbsentAsync("replaced.bin", new MemoryStream(StreamAssertions.Pattern(1000, seed: 10)), cancellationToken: Cancellation);

        await using var download = await store.OpenReadAsync("replaced.bin", BlobRange.Last(100), Cancellation);

        Assert.True(replace.Ran);
        Assert.NotNull(download);
        Assert.Equal((600, 100, 700), (download.Offset, download.Count, download.Properties.Length));
        Assert.Equal(replacement[600..], await download.ReadAllAsync(Cancellation));
    }

    [Fact]
    public async Task ReadsOfAMissingBlobReturnNullWhateverTheRange()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.OpenReadAsync("missing.bin", cancellationToken: Cancellation));
        Assert.Null(await store.OpenReadAsync("missing.bin", BlobRange.Slice(10, 10), Cancellation));
        Assert.Null(await store.OpenReadAsync("missing.bin", BlobRange.Last(10), Cancellation));
    }

    [Fact]
    public async Task ALargeSeekablePutOfAnExistingKeyReportsAlreadyExistsAndLeavesTheBlobUnchanged()
    {
        // Larger than a block: one Put Blob streamed from the caller's stream, preceded by an existence check.
        var store = await CreateStoreAsync();
        var original = StreamAssertions.Pattern((5 * 1024 * 1024) + 7, seed: 8);

        Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("large.bin", new MemoryStream(original), cancellationToken: Cancellation));
        Assert.Equal(
            BlobPutOutcome.AlreadyExists,
            await store.PutIfAbsentAsync("large.bin", new MemoryStream(StreamAssertions.Pattern(original.Length, seed: 9)), cancellationToken: Cancellation));

        await using var download = await store.OpenReadAsync("large.bin", cancellationToken: Cancellation);
        Assert.Equal(original, await download!.ReadAllAsync(Cancellation));
    }

    [Fact]
    public async Task HeadReturnsLengthETagAndContentTypeAndNullWhenMissing()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetPropertiesAsync("renditions/abc/thumb.webp", Cancellation));

        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        await store.PutIfAbsentAsync("renditions/abc/thumb.webp", new MemoryStream(new byte[321]), "image/webp", Cancellation);

        var properties = await store.GetPropertiesAsync("renditions/abc/thumb.webp", Cancellation);
        Assert.NotNull(properties);
        Assert.Equal(321, properties.Length);
        Assert.Equal("image/webp", properties.ContentType);
        Assert.StartsWith("\"", properties.ETag, StringComparison.Ordinal);
        Assert.InRange(properties.LastModified, before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(properties.ETag, (await store.GetPropertiesAsync("renditions/abc/thumb.webp", Cancellation))!.ETag);

        await using var download = await store.OpenReadAsync("renditions/abc/thumb.webp", cancellationToken: Cancellation);
        Assert.Equal(properties, download!.Properties);
        Assert.False(download.IsPartial);
    }

    [Fact]
    public async Task DeleteRemovesTheBlobAndIsIdempotent()
    {
        var store = await CreateStoreAsync();
        await store.PutIfAbsentAsync("doomed.bin", new MemoryStream([1, 2, 3]), cancellationToken: Cancellation);

        Assert.True(await store.DeleteAsync("doomed.bin", Cancellation));
        Assert.False(await store.DeleteAsync("doomed.bin", Cancellation));
        Assert.Null(await store.GetPropertiesAsync("doomed.bin", Cancellation));
        Assert.Null(await store.OpenReadAsync("doomed.bin", cancellationToken: Cancellation));
        Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("doomed.bin", new MemoryStream([4]), cancellationToken: Cancellation));
    }

    [Fact]
    public async Task ATouchGivesTheBlobANewETagSoADeletePinnedToTheOldOneLeavesItAndItsContentAsItWas()
    {
        var store = await CreateStoreAsync();
        await store.PutIfAbsentAsync("originals/abc", new MemoryStream([1, 2, 3]), "image/png", Cancellation);
        var before = await store.GetPropertiesAsync("originals/abc", Cancellation);

        Assert.True(await store.TouchAsync("originals/abc", Cancellation));

        var after = await store.GetPropertiesAsync("originals/abc", Cancellation);
        Assert.NotNull(after);
        Assert.NotEqual(before!.ETag, after.ETag);
        Assert.True(after.LastModified >= before.LastModified);
        Assert.Equal(before with { ETag = after.ETag, LastModified = after.LastModified }, after);
        Assert.False(await store.DeleteIfUnchangedAsync("originals/abc", before.ETag, Cancellation));
        await using (var download = await store.OpenReadAsync("originals/abc", cancellationToken: Cancellation))
        {
            Assert.Equal([1, 2, 3], await download!.ReadAllAsync(Cancellation));
        }

        Assert.Equal(after.ETag, (await store.ListAsync("originals/", Cancellation).SingleAsync(Cancellation)).Properties.ETag);
        Assert.True(await store.DeleteIfUnchangedAsync("originals/abc", after.ETag, Cancellation));
    }

    [Fact]
    public async Task TouchingAMissingBlobReportsItGoneAndCreatesNothing()
    {
        var store = await CreateStoreAsync();

        Assert.False(await store.TouchAsync("originals/gone", Cancellation));

        Assert.Null(await store.GetPropertiesAsync("originals/gone", Cancellation));
        Assert.Equal(BlobPutOutcome.Created, await store.PutIfAbsentAsync("originals/gone", new MemoryStream([7]), cancellationToken: Cancellation));
    }

    [Fact]
    public async Task ListByPrefixReturnsOnlyMatchingKeysInOrderAcrossPages()
    {
        var store = await CreateStoreAsync(listPageSize: 2);
        string[] matching = ["list/a/1.bin", "list/a/2.bin", "list/a/3.bin", "list/a/sub/4.bin", "list/a/sub/5.bin"];
        string[] others = ["list/b/1.bin", "list/a.bin", "lisT/a/1.bin", "other.bin"];
        foreach (var key in matching.Concat(others).Reverse())
        {
            await store.PutIfAbsentAsync(key, new MemoryStream(new byte[key.Length]), cancellationToken: Cancellation);
        }

        var listed = await store.ListAsync("list/a/", Cancellation).ToListAsync(Cancellation);

        Assert.Equal(matching, listed.Select(item => item.Key));
        Assert.All(listed, item => Assert.Equal(item.Key.Length, item.Properties.Length));
        Assert.All(listed, item => Assert.Equal("application/octet-stream", item.Properties.ContentType));
        Assert.Equal(await store.GetPropertiesAsync(listed[0].Key, Cancellation), listed[0].Properties); // the listing's ETag quoted like the header's

        var partialSegment = await store.ListAsync("list/a", Cancellation).Select(item => item.Key).ToListAsync(Cancellation);
        Assert.Equal(["list/a.bin", .. matching], partialSegment); // '.' sorts before '/'

        var all = await store.ListAsync(cancellationToken: Cancellation).Select(item => item.Key).ToListAsync(Cancellation);
        Assert.Equal(matching.Concat(others).Order(StringComparer.Ordinal), all);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("trailing/")]
    [InlineData("")]
    public async Task KeysThatCouldEscapeOrAreMalformedAreRejected(string key)
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutIfAbsentAsync(key, new MemoryStream([1]), cancellationToken: Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(key, cancellationToken: Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetPropertiesAsync(key, Cancellation));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key, Cancellation));
    }

    [Fact]
    public async Task KeysWithSpacesAndNonAsciiCharactersRoundTrip()
    {
        var store = await CreateStoreAsync();
        const string key = "odd keys/ünïcødé + spaces (1)!.txt";

        await store.PutIfAbsentAsync(key, new MemoryStream([42]), cancellationToken: Cancellation);

        Assert.Equal(1, (await store.GetPropertiesAsync(key, Cancellation))?.Length);
        Assert.Equal([key], await store.ListAsync("odd keys/", Cancellation).Select(item => item.Key).ToListAsync(Cancellation));
        Assert.True(await store.DeleteAsync(key, Cancellation));
    }

    /// <summary>Runs <c>action</c> once, just before the first request that <c>matches</c> is sent.</summary>
    private sealed class BeforeFirst(Func<HttpMessage, bool> matches, Func<Task> action) : HttpPipelinePolicy
    {
        private int _ran;

        public bool Ran => _ran == 1;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (matches(message) && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await action();
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The store only makes asynchronous calls.");
    }
}
