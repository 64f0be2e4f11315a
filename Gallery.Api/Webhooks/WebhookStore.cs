using System.Security.Cryptography;
using Dapper;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Webhooks;

/// <summary>A <c>webhooks</c> row.</summary>
internal sealed class WebhookRow
{
    public Guid Id { get; set; }

    public string Url { get; set; } = "";

    public string? Description { get; set; }

    /// <summary>Space-separated subscriptions (types and <c>family.*</c>).</summary>
    public string EventTypes { get; set; } = "";

    public string Secret { get; set; } = "";

    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public bool Enabled { get; set; }

    public string? DisabledReason { get; set; }

    public DateTimeOffset? DisabledAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string[] Subscriptions => EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The secrets that sign a message made at <paramref name="now"/>: the current one, and the previous one during the overlap.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is not null && PreviousSecretExpiresAt > now ? [Secret, PreviousSecret] : [Secret];

    public WebhookDto ToDto() => new(Id, Url, Description, Subscriptions, Enabled, DisabledReason, DisabledAt, CreatedAt, PreviousSecretExpiresAt);
}

/// <summary>A message claimed for one attempt, with what sending it needs.</summary>
internal sealed class DueDelivery
{
    public Guid Id { get; set; }

    public Guid WebhookId { get; set; }

    public string EventType { get; set; } = "";

    public string Payload { get; set; } = "";

    public string? Traceparent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Attempts made before this one.</summary>
    public int Attempts { get; set; }

    /// <summary>The <c>webhook-id</c> header: the delivery's id, the same on every attempt.</summary>
    public string MessageId => WebhookMessageIds.For(Id);
}

/// <summary>What one attempt came to.</summary>
internal sealed record AttemptResult(DateTimeOffset StartedAt, int? StatusCode, double LatencyMs, string? Error, string? ResponseExcerpt)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

internal static class WebhookMessageIds
{
    public static string For(Guid deliveryId) => "msg_" + deliveryId.ToString("N");
}

/// <summary>
/// Webhook endpoints, the messages made for them from the outbox, and the log of every attempt. Messages are made in
/// the same transaction that moves the fan-out cursor past the outbox rows they come from, so a crash makes each
/// message exactly once; an attempt is recorded after it, so a crash in between repeats the attempt with the same
/// <c>webhook-id</c> (at least once, recognisably).
/// </summary>
internal sealed class WebhookStore(GalleryDatabase database, TimeProvider time)
{
    private const string EnabledExists = "SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled = true)";

    private const string WebhookColumns =
        "id, url, description, event_types, secret, previous_secret, previous_secret_expires_at, enabled, disabled_reason, disabled_at, created_at";

    public async Task<(WebhookDto Webhook, string Secret)> CreateAsync(string url, IReadOnlyList<string> eventTypes, string? description, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var row = new WebhookRow
        {
            Id = Guid.CreateVersion7(now),
            Url = url,
            Description = description,
            EventTypes = string.Join(' ', eventTypes.Distinct(StringComparer.Ordinal)),
            Secret = NewSecret(),
            Enabled = true,
            CreatedAt = now,
        };
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await CatchUpIfIdleAsync(scope, cancellationToken);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO webhooks ({WebhookColumns}) VALUES (@Id, @Url, @Description, @EventTypes, @Secret, @PreviousSecret, @PreviousSecretExpiresAt, @Enabled, @DisabledReason, @DisabledAt, @CreatedAt)",
            row, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return (row.ToDto(), row.Secret);
    }

    public async Task<IReadOnlyList<WebhookDto>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<WebhookRow>(new CommandDefinition(
            $"SELECT {WebhookColumns} FROM webhooks ORDER BY id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToDto())];
    }

    public async Task<WebhookRow?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<WebhookRow>(new CommandDefinition(
            $"SELECT {WebhookColumns} FROM webhooks WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Applies the non-null fields of <paramref name="patch"/>; null when there is no such webhook.</summary>
    public async Task<WebhookDto?> UpdateAsync(Guid id, WebhookPatchRequest patch, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var row = await GetForUpdateAsync(scope, id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        row.Url = patch.Url ?? row.Url;
        row.EventTypes = patch.EventTypes is { } types ? string.Join(' ', types.Distinct(StringComparer.Ordinal)) : row.EventTypes;
        row.Description = patch.Description is { } description ? (description.Length == 0 ? null : description) : row.Description;
        if (patch.Enabled is { } enabled && enabled != row.Enabled)
        {
            if (enabled)
            {
                await CatchUpIfIdleAsync(scope, cancellationToken);
            }

            row.Enabled = enabled;
            row.DisabledAt = enabled ? null : time.GetUtcNow();
            row.DisabledReason = enabled ? null : "Turned off by an admin.";
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhooks SET url = @Url, event_types = @EventTypes, description = @Description, enabled = @Enabled, disabled_reason = @DisabledReason, disabled_at = @DisabledAt WHERE id = @Id",
            row, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return row.ToDto();
    }

    /// <summary>Deletes a webhook with its messages and log; false when there is no such webhook.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);

        // By hand rather than by cascade: SQLite enforces foreign keys only when asked to.
        await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM webhook_attempts WHERE webhook_id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM webhook_deliveries WHERE webhook_id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        var deleted = await scope.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM webhooks WHERE id = @id", new { id }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    /// <summary>
    /// Gives the webhook a new secret. The one it replaces keeps signing beside it for <paramref name="overlap"/>, so a
    /// receiver can switch over without missing a message; a secret older than that is dropped at once.
    /// </summary>
    public async Task<(WebhookDto Webhook, string Secret)?> RotateSecretAsync(Guid id, TimeSpan overlap, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var row = await GetForUpdateAsync(scope, id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        row.PreviousSecret = overlap > TimeSpan.Zero ? row.Secret : null;
        row.PreviousSecretExpiresAt = overlap > TimeSpan.Zero ? time.GetUtcNow() + overlap : null;
        row.Secret = NewSecret();
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhooks SET secret = @Secret, previous_secret = @PreviousSecret, previous_secret_expires_at = @PreviousSecretExpiresAt WHERE id = @Id",
            row, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return (row.ToDto(), row.Secret);
    }

    /// <summary>Queues a <c>webhook.test</c> message for one endpoint, enabled or not; null when there is no such webhook.</summary>
    public async Task<string?> QueueTestAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        if (await GetForUpdateAsync(scope, id, cancellationToken) is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var deliveryId = Guid.CreateVersion7(now);
        var payload = WebhookPayloads.Envelope(WebhookEventTypes.Test, now, WebhookPayloads.TestData(id));
        await InsertDeliveryAsync(scope, deliveryId, id, WebhookEventTypes.Test, payload, System.Diagnostics.Activity.Current?.Id, now, cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return WebhookMessageIds.For(deliveryId);
    }

    /// <summary>
    /// Makes messages from the next outbox rows past the fan-out cursor, one per row and subscribed, enabled endpoint,
    /// and moves the cursor past them, in one transaction. Returns how many outbox rows it looked at (a full batch
    /// means: call again). Only rows the relay has numbered are read, so the cursor never passes a row still to come.
    /// </summary>
    public async Task<int> FanOutAsync(int limit, CancellationToken cancellationToken = default)
    {
        // Most sites have no webhooks: then nothing is written at all, and the cursor waits (see CatchUpIfIdleAsync).
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(EnabledExists, cancellationToken: cancellationToken)))
            {
                return 0;
            }
        }

        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var cursor = await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT sequence FROM webhook_cursor WHERE id = 1{scope.ForUpdate}", transaction: scope.Transaction, cancellationToken: cancellationToken));
        var rows = (await scope.Connection.QueryAsync<OutboxRow>(new CommandDefinition(
            "SELECT sequence, kind, type, payload, owner_id, traceparent, album_id FROM outbox WHERE sequence > @cursor ORDER BY sequence LIMIT @limit",
            new { cursor, limit }, scope.Transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count == 0)
        {
            return 0;
        }

        var webhooks = (await scope.Connection.QueryAsync<WebhookRow>(new CommandDefinition(
            $"SELECT {WebhookColumns} FROM webhooks WHERE enabled = true", transaction: scope.Transaction, cancellationToken: cancellationToken))).AsList();
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            if (webhooks.Count == 0 || WebhookPayloads.FromOutbox(row, now) is not { } message)
            {
                continue;
            }

            foreach (var webhook in webhooks.Where(webhook => WebhookEventTypes.Matches(webhook.Subscriptions, message.Type)))
            {
                await InsertDeliveryAsync(scope, Guid.CreateVersion7(now), webhook.Id, message.Type, message.Payload, row.Traceparent, now, cancellationToken);
            }
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_cursor SET sequence = @sequence WHERE id = 1", new { sequence = rows[^1].Sequence }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> messages that are due, of enabled endpoints (and test messages of any), for <paramref name="lease"/>: a
    /// replica that dies mid-attempt leaves the lease to lapse, and the message is tried again after it. The outer
    /// condition repeats the inner one, so on PostgreSQL a row another replica claimed meanwhile is skipped.
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> ClaimDueAsync(int limit, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        var claimed = await scope.Connection.QueryAsync<DueDelivery>(new CommandDefinition(
            """
            UPDATE webhook_deliveries SET leased_until = @leasedUntil
            WHERE id IN (
                SELECT d.id FROM webhook_deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
                WHERE d.state = 'pending' AND d.next_attempt_at <= @now AND (d.leased_until IS NULL OR d.leased_until <= @now) AND (w.enabled = true OR d.event_type = @test)
                ORDER BY d.next_attempt_at
                LIMIT @limit)
              AND state = 'pending' AND (leased_until IS NULL OR leased_until <= @now)
            RETURNING id, webhook_id, event_type, payload, traceparent, created_at, attempts
            """,
            new { now, leasedUntil = now + lease, limit, test = WebhookEventTypes.Test }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return [.. claimed.OrderBy(delivery => delivery.Id)];
    }

    /// <summary>When the next pending message of an enabled endpoint comes due, if any.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var next = await connection.QuerySingleOrDefaultAsync<DueTime>(new CommandDefinition(
            """
            SELECT d.next_attempt_at AS at FROM webhook_deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
            WHERE d.state = 'pending' AND (w.enabled = true OR d.event_type = @test) ORDER BY d.next_attempt_at LIMIT 1
            """,
            new { test = WebhookEventTypes.Test },
            cancellationToken: cancellationToken));
        return next?.At;
    }

    /// <summary>
    /// Logs one attempt and moves its message on: delivered; due again at <paramref name="retryAt"/>; or, with no retry
    /// left, failed, and its endpoint disabled with <paramref name="disableReason"/>.
    /// </summary>
    public async Task RecordAttemptAsync(DueDelivery delivery, AttemptResult result, DateTimeOffset? retryAt, string? disableReason, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var attempt = delivery.Attempts + 1;
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO webhook_attempts (delivery_id, webhook_id, attempt, started_at, status_code, latency_ms, error, response_excerpt)
            VALUES (@deliveryId, @webhookId, @attempt, @StartedAt, @StatusCode, @LatencyMs, @Error, @ResponseExcerpt)
            """,
            new { deliveryId = delivery.Id, webhookId = delivery.WebhookId, attempt, result.StartedAt, result.StatusCode, result.LatencyMs, result.Error, result.ResponseExcerpt },
            scope.Transaction, cancellationToken: cancellationToken));

        var state = result.Succeeded ? "delivered" : retryAt is null ? "failed" : "pending";
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE webhook_deliveries
            SET state = @state, attempts = @attempt, next_attempt_at = @nextAttemptAt, leased_until = NULL, completed_at = @completedAt
            WHERE id = @id
            """,
            new { id = delivery.Id, state, attempt, nextAttemptAt = retryAt ?? now, completedAt = state == "pending" ? (DateTimeOffset?)null : now },
            scope.Transaction, cancellationToken: cancellationToken));

        if (state == "failed" && disableReason is not null)
        {
            await scope.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE webhooks SET enabled = false, disabled_reason = @disableReason, disabled_at = @now WHERE id = @webhookId AND enabled = true",
                new { disableReason, now, webhookId = delivery.WebhookId }, scope.Transaction, cancellationToken: cancellationToken));
        }

        await scope.CommitAsync(cancellationToken);
    }

    /// <summary>A webhook's attempts, newest first, before attempt id <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<WebhookAttemptDto>> ListAttemptsAsync(Guid webhookId, long? before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AttemptRow>(new CommandDefinition(
            $"""
            SELECT a.id, a.delivery_id, d.event_type, d.state, a.attempt, a.started_at, a.status_code, a.latency_ms, a.error, a.response_excerpt
            FROM webhook_attempts AS a JOIN webhook_deliveries AS d ON d.id = a.delivery_id
            WHERE a.webhook_id = @webhookId{(before is null ? "" : " AND a.id < @before")}
            ORDER BY a.id DESC
            LIMIT @limit
            """,
            new { webhookId, before, limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => new WebhookAttemptDto(
            row.Id, WebhookMessageIds.For(row.DeliveryId), row.EventType, row.State, row.Attempt, row.StartedAt, row.StatusCode, row.LatencyMs, row.Error, row.ResponseExcerpt))];
    }

    /// <summary>Deletes finished messages, and their attempts, completed before <paramref name="cutoff"/>; returns how many messages.</summary>
    public async Task<int> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var scope = await database.BeginWriteAsync(cancellationToken);
        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND completed_at < @cutoff)",
            new { cutoff }, scope.Transaction, cancellationToken: cancellationToken));
        var deleted = await scope.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND completed_at < @cutoff", new { cutoff }, scope.Transaction, cancellationToken: cancellationToken));
        await scope.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// While no endpoint is enabled the fan-out writes nothing and its cursor falls behind. When the first one is made or
    /// turned on, the cursor moves to the newest numbered outbox row, in the same transaction: an endpoint gets what
    /// happens from then on, not the history it was not there for.
    /// </summary>
    private static async Task CatchUpIfIdleAsync(WriteScope scope, CancellationToken cancellationToken)
    {
        await scope.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT sequence FROM webhook_cursor WHERE id = 1{scope.ForUpdate}", transaction: scope.Transaction, cancellationToken: cancellationToken));
        if (await scope.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(EnabledExists, transaction: scope.Transaction, cancellationToken: cancellationToken)))
        {
            return;
        }

        await scope.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_cursor SET sequence = (SELECT COALESCE(MAX(sequence), webhook_cursor.sequence) FROM outbox WHERE sequence IS NOT NULL) WHERE id = 1",
            transaction: scope.Transaction, cancellationToken: cancellationToken));
    }

    private static Task<WebhookRow?> GetForUpdateAsync(WriteScope scope, Guid id, CancellationToken cancellationToken) =>
        scope.Connection.QuerySingleOrDefaultAsync<WebhookRow>(new CommandDefinition(
            $"SELECT {WebhookColumns} FROM webhooks WHERE id = @id{scope.ForUpdate}", new { id }, scope.Transaction, cancellationToken: cancellationToken));

    private static Task InsertDeliveryAsync(WriteScope scope, Guid id, Guid webhookId, string eventType, string payload, string? traceparent, DateTimeOffset now, CancellationToken cancellationToken) =>
        scope.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, traceparent, created_at, state, attempts, next_attempt_at)
            VALUES (@id, @webhookId, @eventType, @payload, @traceparent, @now, 'pending', 0, @now)
            """,
            new { id, webhookId, eventType, payload, traceparent, now }, scope.Transaction, cancellationToken: cancellationToken));

    /// <summary>A Standard Webhooks secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private sealed class DueTime
    {
        public DateTimeOffset At { get; set; }
    }

    private sealed class AttemptRow
    {
        public long Id { get; set; }

        public Guid DeliveryId { get; set; }

        public string EventType { get; set; } = "";

        public string State { get; set; } = "";

        public int Attempt { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public int? StatusCode { get; set; }

        public double LatencyMs { get; set; }

        public string? Error { get; set; }

        public string? ResponseExcerpt { get; set; }
    }
}
