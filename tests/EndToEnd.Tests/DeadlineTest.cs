namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// A test of the whole system with a deadline of its own (<see cref="CancelAfter"/>), linked to the run's cancellation,
/// so a hung step fails the test instead of the run.
/// </summary>
public abstract class DeadlineTest : IDisposable
{
    private readonly CancellationTokenSource _deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

    protected CancellationToken Cancellation => _deadline.Token;

    public void Dispose()
    {
        _deadline.Dispose();
        GC.SuppressFinalize(this);
    }

    protected void CancelAfter(TimeSpan deadline) => _deadline.CancelAfter(deadline);
}
