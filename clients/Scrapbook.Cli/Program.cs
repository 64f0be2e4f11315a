using System.CommandLine;
using Scrapbook.Cli;

var root = new RootCommand("Scrapbook from the command line: log in to a site, upload photos with progress, watch the wall.")
{
    LoginCommand.Create(),
    PairCommand.Create(),
    UploadCommand.Create(),
    WatchCommand.Create(),
    ListCommand.Create(),
    RemoveCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
