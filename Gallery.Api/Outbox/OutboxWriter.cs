using System.Diagnostics;
using Dapper;
using Scrapbook.Gallery.Api.Data;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Adds outbox rows inside a write's transaction, and commits that transaction and wakes the relay: how every store
/// announces what it changed, so a change and its announcement commit together or not at all.
/// </summary>
internal sealed class OutboxWriter(OutboxSignal signal, TimeProvider time)
{
    public Task AppendAsync(WriteScope scope, string kind, string type, string payload, string? ownerId, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO outbox (kind, type, payload, owner_id, traceparent, created_at) VALUES (@kind, @type, @payload, @ownerId, @traceparent, @createdAt)",
            new { kind, type, payload, ownerId, traceparent = Activity.Current?.Id, createdAt = time.GetUtcNow() },
            scope.Transaction,
            cancellationToken: cancellationToken));

    public async Task CommitAsync(WriteScope scope, CancellationToken cancellationToken)
    {
        await scope.CommitAsync(cancellationToken);
        signal.Notify();
    }
}
