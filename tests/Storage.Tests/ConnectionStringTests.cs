namespace Scrapbook.Storage.Tests;

public sealed class ConnectionStringTests
{
    private const string Key = StorageConnectionString.DevelopmentAccountKey;

    [Fact]
    public void AnAccountKeyStringUsesSharedKeyAndItsExplicitEndpoints()
    {
        var connection = StorageConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1/;QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1;");

        Assert.True(connection.UsesSharedKey);
        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.Equal(Convert.FromBase64String(Key), connection.AccountKey);
        Assert.Equal("http://127.0.0.1:41000/devstoreaccount1", connection.GetEndpoint(StorageService.Blob, "blobs").AbsoluteUri);
        Assert.Equal("http://127.0.0.1:41001/devstoreaccount1", connection.GetEndpoint(StorageService.Queue, "queues").AbsoluteUri);
    }

    [Fact]
    public void AnAccountKeyStringWithoutEndpointsBuildsThemFromTheAccountAndSuffix()
    {
        var connection = StorageConnectionString.Parse($"DefaultEndpointsProtocol=https;AccountName=scrapbookprod;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal("https://scrapbookprod.blob.core.chinacloudapi.cn/", connection.GetEndpoint(StorageService.Blob, "blobs").AbsoluteUri);
        Assert.Equal("https://scrapbookprod.queue.core.chinacloudapi.cn/", connection.GetEndpoint(StorageService.Queue, "queues").AbsoluteUri);
    }

    [Fact]
    public void TheDevelopmentStorageShortcutMeansAzuritesWellKnownAccountOnItsDefaultPorts()
    {
        var connection = StorageConnectionString.Parse("UseDevelopmentStorage=true");

        Assert.True(connection.UsesSharedKey);
        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", connection.GetEndpoint(StorageService.Blob, "blobs").AbsoluteUri);
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", connection.GetEndpoint(StorageService.Queue, "queues").AbsoluteUri);
    }

    [Fact]
    public void AServiceUriMeansEntraIdTokensForThatService()
    {
        var connection = StorageConnectionString.Parse("https://scrapbookprod.blob.core.windows.net/");

        Assert.False(connection.UsesSharedKey);
        Assert.False(connection.IsFileSystem);
        Assert.Equal("https://scrapbookprod.blob.core.windows.net/", connection.GetEndpoint(StorageService.Blob, "blobs").AbsoluteUri);
        var misuse = Assert.Throws<FormatException>(() => connection.GetEndpoint(StorageService.Queue, "queues"));
        Assert.Contains("'queues'", misuse.Message, StringComparison.Ordinal);
        Assert.Contains("Blob service URI", misuse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileUriSelectsTheFilesystemStoreAndOnlyForBlobs()
    {
        var connection = StorageConnectionString.Parse("file:///var/lib/scrapbook/blobs/");

        Assert.True(connection.IsFileSystem);
        Assert.Equal("/var/lib/scrapbook/blobs", connection.FileSystemRoot);
        Assert.Throws<FormatException>(() => connection.GetEndpoint(StorageService.Queue, "queues"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("AccountName=acct", "AccountKey is missing")]
    [InlineData($"AccountKey={Key}", "AccountName is missing")]
    [InlineData("AccountName=acct;AccountKey=not base64!", "AccountKey is not valid base64")]
    [InlineData($"AccountName=acct;AcountKey={Key}", "'AcountKey' is not a recognized setting")]
    [InlineData($"AccountName=acct;AccountKey={Key};AccountName=other", "'AccountName' appears more than once")]
    [InlineData($"DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey={Key}", "DefaultEndpointsProtocol must be http or https")]
    [InlineData($"AccountName=acct;AccountKey={Key};BlobEndpoint=not-a-uri", "BlobEndpoint 'not-a-uri' is not an absolute http(s) URI")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage must be 'true'")]
    [InlineData("BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2021&sig=x", "SharedAccessSignature is not supported")]
    [InlineData("https://a.blob.core.windows.net?sv=2021&sig=x", "SAS tokens are not supported")]
    [InlineData("file:relative/path", "not an absolute file URI")]
    [InlineData("just some words", "'just some words' is not a Key=Value pair")]
    public void AnInvalidConnectionStringFailsWithAMessageNamingTheProblem(string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => StorageConnectionString.Parse(value, "blobs"));

        Assert.Contains("Connection string 'blobs'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAccountKeyNeverAppearsWhenTheConnectionIsPrinted()
    {
        var connection = StorageConnectionString.Parse($"AccountName=acct;AccountKey={Key}");

        Assert.DoesNotContain(Key, connection.ToString(), StringComparison.Ordinal);
    }
}
