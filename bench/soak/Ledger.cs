using System.Collections.Concurrent;

namespace Scrapbook.Bench.Soak;

/// <summary>A photo the system accepted (202, or 200 for bytes it already had) and who may ask about it.</summary>
internal sealed record AcceptedPhoto(Guid Id, string OwnerToken, string Source);

/// <summary>What the clients saw, written from many tasks at once; the checks read it at the end.</summary>
internal sealed class Ledger
{
    private readonly ConcurrentDictionary<string, int> _responses = new(StringComparer.Ordinal);

    public ConcurrentDictionary<Guid, AcceptedPhoto> Accepted { get; } = new();

    public ConcurrentDictionary<Guid, byte> Deleted { get; } = new();

    /// <summary>Photos whose delete got no answer (a process died meanwhile): either outcome is right, gone or still there.</summary>
    public ConcurrentDictionary<Guid, byte> DeleteUnanswered { get; } = new();

    public ConcurrentQueue<string> FaultLog { get; } = new();

    /// <summary>Responses by client class and status ("upload 202", "flood 429", "caption 404", "upload no answer").</summary>
    public IReadOnlyDictionary<string, int> Responses => _responses;

    public void Count(string client, int status) => _responses.AddOrUpdate($"{client} {status}", 1, (_, n) => n + 1);

    /// <summary>A request that got no HTTP answer at all (connection refused or reset while a process was down).</summary>
    public void CountNoAnswer(string client) => _responses.AddOrUpdate($"{client} no answer", 1, (_, n) => n + 1);

    public int CountOf(Func<string, bool> key) => _responses.Where(pair => key(pair.Key)).Sum(pair => pair.Value);
}
