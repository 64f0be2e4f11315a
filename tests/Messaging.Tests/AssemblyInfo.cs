using Scrapbook.Messaging.Tests;
using Scrapbook.Testing;

// One Azurite and one Redis for the whole assembly; every test works in its own queues.
[assembly: AssemblyFixture(typeof(AzuriteServer))]
[assembly: AssemblyFixture(typeof(RedisFixture))]
