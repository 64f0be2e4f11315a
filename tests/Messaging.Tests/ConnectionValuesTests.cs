namespace Scrapbook.Messaging.Tests;

public sealed class ConnectionValuesTests
{
    [Theory]
    [InlineData("scrapbook.servicebus.windows.net", "scrapbook.servicebus.windows.net")]
    [InlineData("sb://scrapbook.servicebus.windows.net/", "scrapbook.servicebus.windows.net")]
    [InlineData("https://scrapbook.servicebus.windows.net:443/", "scrapbook.servicebus.windows.net")]
    [InlineData("Endpoint=sb://scrapbook.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc=", null)]
    [InlineData("Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;", null)]
    public void AServiceBusNamespaceIsToldFromAConnectionString(string value, string? expectedNamespace)
    {
        var isNamespace = ConnectionValues.TryGetServiceBusNamespace(value, out var fullyQualifiedNamespace);

        Assert.Equal(expectedNamespace is not null, isNamespace);
        Assert.Equal(expectedNamespace, fullyQualifiedNamespace);
    }

    [Theory]
    [InlineData("https://scrapbook.queue.core.windows.net/", true)]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=abc=;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;", false)]
    [InlineData("UseDevelopmentStorage=true", false)]
    public void AQueueServiceUriIsToldFromAConnectionString(string value, bool isUri)
    {
        Assert.Equal(isUri, ConnectionValues.TryGetServiceUri(value, out _));
    }
}
