using System.Globalization;
using Scrapbook.Testing;

namespace Scrapbook.Bench.Soak;

/// <summary>
/// Samples each service process's resident memory every few seconds (/proc/{pid}/status, VmRSS). A process's baseline is
/// its first sample after the warm-up; a killed and restarted replica is a new process with a baseline of its own.
/// </summary>
internal sealed class MemorySampler(ScrapbookApp system, IReadOnlyList<string> resources, TimeSpan warmUp)
{
    private static readonly TimeSpan s_every = TimeSpan.FromSeconds(5);

    private sealed class Process(string replica, int pid, DateTime firstSeen)
    {
        public string Replica { get; } = replica;

        public int Pid { get; } = pid;

        public DateTime FirstSeen { get; } = firstSeen;

        public (DateTime At, long Kib)? Warm { get; set; }

        public (DateTime At, long Kib) Last { get; set; }

        /// <summary>Every sample from the warm-up on, to tell growth that levels off from growth that goes on.</summary>
        public List<long> SinceWarm { get; } = [];
    }

    private readonly Dictionary<int, Process> _processes = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var resource in resources)
            {
                try
                {
                    foreach (var (replica, resourcePid) in await system.GetProcessIdsAsync(resource, cancellationToken))
                    {
                        var service = ProcessTable.TreeOf(resourcePid).LastOrDefault(p => p.Command.StartsWith("Scrapbook.", StringComparison.Ordinal));
                        if (service.Pid == 0 || ReadRssKib(service.Pid) is not { } kib)
                        {
                            continue;
                        }

                        var now = DateTime.UtcNow;
                        if (!_processes.TryGetValue(service.Pid, out var process))
                        {
                            _processes[service.Pid] = process = new Process(replica, service.Pid, now);
                        }

                        process.Last = (now, kib);
                        if (process.Warm is null && now - process.FirstSeen >= warmUp)
                        {
                            process.Warm = (now, kib);
                        }

                        if (process.Warm is not null)
                        {
                            process.SinceWarm.Add(kib);
                        }
                    }
                }
                catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
                {
                    // A replica that is down right now (killed, restarting) is sampled next round.
                }
            }

            await Task.Delay(s_every, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// One figure per replica, for its process at the end: growth from warm-up to the end, judged (under 10 %) only for a
    /// process that lived at least a third of the drive after warming up; a younger one (restarted by a fault) is shown.
    /// </summary>
    public IEnumerable<SoakCheck> Checks(TimeSpan drive)
    {
        foreach (var group in _processes.Values.GroupBy(p => p.Replica).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var current = group.MaxBy(p => p.Last.At)!;
            var incarnations = group.Count();
            if (current.Warm is not { } warm || current.Last.At - warm.At < drive / 3)
            {
                yield return new SoakCheck($"RSS {group.Key}", true,
                    $"{current.Last.Kib / 1024} MiB at the end; not judged: process {current.Pid} ran {(current.Last.At - current.FirstSeen).TotalSeconds:F0} s ({incarnations} processes over the run)",
                    IsCorrectness: false);
                continue;
            }

            var growth = (current.Last.Kib - warm.Kib) * 100.0 / warm.Kib;
            var quarters = string.Join(" → ", Enumerable.Range(1, 4).Select(q => current.SinceWarm[Math.Min(current.SinceWarm.Count - 1, q * current.SinceWarm.Count / 4)] / 1024));
            yield return new SoakCheck($"RSS {group.Key}", growth < 10,
                $"{warm.Kib / 1024} MiB after warm-up → {current.Last.Kib / 1024} MiB at the end ({growth:+0.0;-0.0} % over {(current.Last.At - warm.At).TotalMinutes:F1} min; "
                + $"by quarters {quarters}, peak {current.SinceWarm.Max() / 1024} MiB; {incarnations} processes over the run)",
                IsCorrectness: false);
        }
    }

    private static long? ReadRssKib(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
