using Scrapbook.Thumbnail.Worker;

// A slim web host: the worker's job is the background loop, Kestrel only answers /health and /alive.
var builder = WebApplication.CreateSlimBuilder(args);

builder.AddBasicServiceDefaults();
builder.AddThumbnailWorker();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
