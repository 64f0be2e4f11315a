using System.Globalization;
using Scrapbook.Bench.Soak;

// The soak: the whole system under a mix of clients for N minutes while faults are injected (docs/reliability.md).
//   Scrapbook.Bench.Soak [--minutes N] [--uploaders N] [--followers N] [--faults all|none|KillWorker,Flood,…]
//                        [--fault-every SECONDS] [--corpus DIR]
// Prints the faults, the responses clients saw, and a table of checks; exits 0 only when every check passed.
var options = new SoakOptions();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    options = args[i] switch
    {
        "--minutes" => options with { Duration = TimeSpan.FromMinutes(double.Parse(value, CultureInfo.InvariantCulture)) },
        "--uploaders" => options with { Uploaders = int.Parse(value, CultureInfo.InvariantCulture) },
        "--followers" => options with { Followers = int.Parse(value, CultureInfo.InvariantCulture) },
        "--fault-every" => options with { FaultInterval = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
        "--corpus" => options with { CorpusDirectory = value },
        "--faults" => options with
        {
            Faults = value switch
            {
                "all" => Enum.GetValues<Fault>(),
                "none" => [],
                _ => [.. value.Split(',').Select(f => Enum.Parse<Fault>(f, ignoreCase: true))],
            },
        },
        _ => throw new ArgumentException($"Unknown option {args[i]}."),
    };
}

Console.WriteLine($"soak: {options.Duration.TotalMinutes:F1} min, {options.Uploaders} uploaders, {options.Followers} followers, "
    + $"faults every {options.FaultInterval.TotalSeconds:F0} s: {(options.Faults.Count == 0 ? "none" : string.Join(", ", options.Faults))}");
var report = await new SoakRun(options).RunAsync();
Console.WriteLine(report.ToTable());
return report.AllPassed ? 0 : 1;
