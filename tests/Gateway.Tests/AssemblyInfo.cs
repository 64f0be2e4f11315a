// The upload test measures the process's allocations; other tests running alongside would blur the measurement.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
