using Scrapbook.Testing;

namespace Scrapbook.Cli.Tests;

/// <summary>A detached tmux session of its own (its own server socket), to see what a terminal shows; killed on dispose.</summary>
internal sealed class Tmux : IAsyncDisposable
{
    private readonly string _socket = $"scrapbook-cli-{Guid.NewGuid():N}";

    public static async Task<Tmux> StartAsync(string command, int width = 120, int height = 30)
    {
        var tmux = new Tmux();
        // The pane stays after the command ends, so its last screen can still be read.
        await tmux.RunAsync("new-session", "-d", "-s", "cli", "-x", $"{width}", "-y", $"{height}", $"{command}; echo EXIT=$?; sleep 600");
        return tmux;
    }

    public Task<string> ScreenAsync() => RunAsync("capture-pane", "-p", "-t", "cli");

    public Task SendKeysAsync(params string[] keys) => RunAsync(["send-keys", "-t", "cli", .. keys]);

    /// <summary>Polls the screen (bounded) until it shows <paramref name="text"/>; returns the screen.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = await ScreenAsync();
            if (screen.Contains(text, StringComparison.Ordinal))
            {
                return screen;
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"The terminal did not show '{text}' within {timeout.TotalSeconds:0} s. It shows:\n{screen}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private Task<string> RunAsync(params string[] arguments) =>
        Tool.RunAsync("tmux", ["-L", _socket, .. arguments], timeout: TimeSpan.FromSeconds(30), cancellationToken: TestContext.Current.CancellationToken);
}
