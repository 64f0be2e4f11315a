// The worker's tests share the machine's two cores with real Azurite and worker processes, and several of them
// watch visibility timeouts of a second or two; running them one at a time keeps those timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
