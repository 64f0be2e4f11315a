using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;

namespace Scrapbook.Messaging.Tests;

/// <summary>
/// A Service Bus namespace someone provides through <c>SCRAPBOOK_TEST_SERVICEBUS</c> (a connection string with the Manage claim, or
/// a namespace to reach with the developer's Azure sign-in) and a queue in it (<c>SCRAPBOOK_TEST_SERVICEBUS_QUEUE</c>, default
/// <c>thumbnails-test</c>). Unset, as in CI, nothing starts and the tests report as skipped.
/// </summary>
public sealed class ServiceBusFixture : IAsyncLifetime
{
    public const string ConnectionVariable = "SCRAPBOOK_TEST_SERVICEBUS";
    public const string QueueVariable = "SCRAPBOOK_TEST_SERVICEBUS_QUEUE";

    public static readonly string SkipReason =
        $"{ConnectionVariable} is not set: the Service Bus contract runs only against a namespace a person provides (tests/Messaging.Tests/README.md).";

    private ServiceBusClient? _client;
    private ServiceBusAdministrationClient? _administration;

    public static string? Connection => Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } value ? value : null;

    public bool IsConfigured => Connection is not null;

    public string QueueName { get; } = Environment.GetEnvironmentVariable(QueueVariable) is { Length: > 0 } name ? name : "thumbnails-test";

    /// <summary>The queue's own lock duration: Service Bus locks every message for that long.</summary>
    public TimeSpan LockDuration { get; private set; }

    public ServiceBusClient Client => _client ?? throw new InvalidOperationException(SkipReason);

    public ServiceBusAdministrationClient Administration => _administration ?? throw new InvalidOperationException(SkipReason);

    public static ServiceBusClient CreateClient(string connection) =>
        ConnectionValues.TryGetServiceBusNamespace(connection, out var fullyQualifiedNamespace)
            ? new ServiceBusClient(fullyQualifiedNamespace, new DefaultAzureCredential())
            : new ServiceBusClient(connection);

    public async ValueTask InitializeAsync()
    {
        if (Connection is not { } connection)
        {
            return;
        }

        _client = CreateClient(connection);
        _administration = ConnectionValues.TryGetServiceBusNamespace(connection, out var fullyQualifiedNamespace)
            ? new ServiceBusAdministrationClient(fullyQualifiedNamespace, new DefaultAzureCredential())
            : new ServiceBusAdministrationClient(connection);
        var queue = (await _administration.GetQueueAsync(QueueName, TestContext.Current.CancellationToken)).Value;
        if (!queue.RequiresDuplicateDetection || queue.MaxDeliveryCount != 5)
        {
            throw new InvalidOperationException(
                $"Queue '{QueueName}' must have duplicate detection on and a maximum delivery count of 5, as the deployment makes it (tests/Messaging.Tests/README.md).");
        }

        LockDuration = queue.LockDuration;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}
