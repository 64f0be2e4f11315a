using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Scrapbook.ServiceDefaults.Telemetry;

/// <summary>
/// The SDK's default sampling (follow the parent; record every root), except for an outgoing call with no parent.
/// Such calls are background chores: creating the blob container and queues at start (an expected 409 when they
/// exist, which the HTTP instrumentation flags as an error), polling. Each would be a one-span trace of its own and
/// bury the request traces on the dashboard. The call still carries a traceparent, unsampled, so what it causes in
/// another service is not recorded either. Calls made while handling a request, a job or an event have a parent and
/// are recorded as before; a chore that matters starts its own span first and its calls become its children.
/// </summary>
internal sealed class BackgroundCallSampler : Sampler
{
    private static readonly SamplingResult s_drop = new(SamplingDecision.Drop);
    private readonly ParentBasedSampler _default = new(new AlwaysOnSampler());

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client && samplingParameters.ParentContext.TraceId == default
            ? s_drop
            : _default.ShouldSample(samplingParameters);
}
