using Scrapbook.Testing;

// One Azurite for the whole assembly; every test works in its own container.
[assembly: AssemblyFixture(typeof(AzuriteServer))]
