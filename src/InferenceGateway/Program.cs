using System.CommandLine;
using InferenceGateway.Cli.Commands;

var root = new RootCommand("InferenceGateway: an LLM-aware endpoint picker and gateway (Gateway API Inference Extension).");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
