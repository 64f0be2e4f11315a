using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Scrapbook.Web.Tests;

/// <summary>Collects what a page reports as an error: console.error messages and uncaught exceptions.</summary>
public sealed class ConsoleWatch
{
    private readonly ConcurrentQueue<string> _errors = new();

    public ConsoleWatch(IBrowserContext context)
    {
        context.Page += (_, page) => Watch(page);
        foreach (var page in context.Pages)
        {
            Watch(page);
        }
    }

    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>
    /// Errors other than Chromium's report of an HTTP status the test provoked on purpose (a 415 for a text file,
    /// a 403 while uploads are closed, …): the browser logs those itself, whatever the page does with them.
    /// </summary>
    public IReadOnlyList<string> ErrorsExceptStatuses(params int[] expected) =>
        [.. _errors.Where(e => !expected.Any(status => e.Contains($"status of {status}", StringComparison.Ordinal)))];

    private void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Enqueue($"{page.Url}: console.error: {message.Text}");
            }
        };
        page.PageError += (_, error) => _errors.Enqueue($"{page.Url}: uncaught: {error}");
    }
}
