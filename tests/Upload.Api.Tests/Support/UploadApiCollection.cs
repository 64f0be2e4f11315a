namespace Scrapbook.Upload.Api.Tests.Support;

/// <summary>Endpoint tests share one Azurite, Redis and Gallery.Api.</summary>
[CollectionDefinition(Name)]
public sealed class UploadApiCollection : ICollectionFixture<UploadApiFixture>
{
    public const string Name = "Upload API";
}

/// <summary>Measures the process's allocations, so it runs alone, with its own servers.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection : ICollectionFixture<UploadApiFixture>
{
    public const string Name = "Upload API memory";
}
