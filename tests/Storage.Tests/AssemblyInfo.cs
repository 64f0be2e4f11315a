using Scrapbook.Testing;

// One Azurite for the whole assembly; every test works in its own container or queue.
[assembly: AssemblyFixture(typeof(AzuriteServer))]
