using System.Globalization;

namespace Scrapbook.Testing;

/// <summary>Reads Linux's process table (/proc), independently of the code under test.</summary>
public static class ProcessTable
{
    /// <summary>A process as it was seen: its id and start time (clock ticks after boot), so a reused pid is not mistaken for it.</summary>
    public readonly record struct Entry(int Pid, int ParentPid, long StartTime, string Command, char State);

    public static IReadOnlyList<Entry> Snapshot()
    {
        var entries = new List<Entry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>The process and every process below it.</summary>
    public static IReadOnlyList<Entry> TreeOf(int root)
    {
        var all = Snapshot();
        var tree = all.Where(e => e.Pid == root).ToList();
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(all.Where(e => e.ParentPid == tree[i].Pid));
        }

        return tree;
    }

    /// <summary>
    /// Kills, with SIGKILL as an out-of-memory kill would, the service process (<c>Scrapbook.*</c>) under a resource's
    /// process <paramref name="resourcePid"/> (DCP may start it through a wrapper); returns it.
    /// </summary>
    public static Entry KillService(int resourcePid)
    {
        var service = TreeOf(resourcePid).Last(p => p.Command.StartsWith("Scrapbook.", StringComparison.Ordinal));
        System.Diagnostics.Process.GetProcessById(service.Pid).Kill();
        return service;
    }

    /// <summary>The topmost ancestor of <paramref name="pid"/> below init and below <paramref name="stopAt"/> (the test host).</summary>
    public static int TopAncestor(int pid, int stopAt)
    {
        var current = Read(pid) ?? throw new InvalidOperationException($"pid {pid} does not exist");
        while (current.ParentPid > 1 && current.ParentPid != stopAt && Read(current.ParentPid) is { } parent)
        {
            current = parent;
        }

        return current.Pid;
    }

    /// <summary>True while that very process (same pid, same start time) exists and is not a zombie.</summary>
    public static bool IsAlive(Entry entry) => Read(entry.Pid) is { } now && now.StartTime == entry.StartTime && now.State != 'Z';

    private static Entry? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … starttime (field 22)": comm may hold spaces and parentheses, so split at the last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        var fields = text[(close + 2)..].Split(' ');
        return new Entry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture), text[(open + 1)..close], fields[0][0]);
    }
}
