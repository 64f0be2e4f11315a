using System.Diagnostics.Metrics;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Notify.Api.Events;

/// <summary>The service's instruments, on the service's own meter.</summary>
internal sealed class NotifyMetrics
{
    private readonly UpDownCounter<long> _connected;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _dropped;

    public NotifyMetrics(ServiceTelemetry telemetry)
    {
        _connected = telemetry.Meter.CreateUpDownCounter<long>("scrapbook.notify.clients.connected", "{client}", "Open event-stream connections.");
        _delivered = telemetry.Meter.CreateCounter<long>("scrapbook.notify.events.delivered", "{event}", "Events written to clients (replayed or live).");
        _dropped = telemetry.Meter.CreateCounter<long>("scrapbook.notify.clients.dropped", "{client}", "Clients disconnected because they fell behind.");
    }

    public void ClientConnected() => _connected.Add(1);

    public void ClientDisconnected() => _connected.Add(-1);

    public void EventsDelivered(int count) => _delivered.Add(count);

    public void ClientDropped() => _dropped.Add(1);
}
