namespace Scrapbook.Gallery.Api.Devices;

/// <summary>What a device is called: the name it was given, else a short reading of its User-Agent ("Firefox on Android").</summary>
internal static class DeviceNames
{
    public const int MaxLength = 60;

    private static readonly (string Token, string Name)[] s_browsers =
    [
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"),
    ];

    private static readonly (string Token, string Name)[] s_systems =
    [
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
    ];

    /// <summary>
    /// <paramref name="given"/> trimmed, without control characters, at most <see cref="MaxLength"/> characters; when it is
    /// empty, a name read from <paramref name="userAgent"/>; "Unnamed device" when neither says anything.
    /// </summary>
    public static string Choose(string? given, string? userAgent)
    {
        var name = Clean(given);
        if (name.Length > 0)
        {
            return name;
        }

        var agent = userAgent ?? "";
        var browser = s_browsers.FirstOrDefault(b => agent.Contains(b.Token, StringComparison.Ordinal)).Name;
        var system = s_systems.FirstOrDefault(s => agent.Contains(s.Token, StringComparison.Ordinal)).Name;
        return (browser, system) switch
        {
            ({ } b, { } s) => $"{b} on {s}",
            ({ } b, null) => b,
            (null, { } s) => s,
            // Not a browser (the CLI, curl): its product token is the best name there is.
            _ => Clean(agent.Split(' ', 2)[0]) is { Length: > 0 } product ? product : "Unnamed device",
        };
    }

    private static string Clean(string? text)
    {
        var kept = new string((text ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return kept.Length > MaxLength ? kept[..MaxLength].TrimEnd() : kept;
    }
}
