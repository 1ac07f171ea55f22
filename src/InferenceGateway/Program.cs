using System.CommandLine;
using System.CommandLine.Invocation;
using InferenceGateway.Cli.Commands;

var root = new RootCommand("InferenceGateway: an LLM-aware endpoint picker and gateway (Gateway API Inference Extension).");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

var parseResult = root.Parse(args);
if (parseResult.Action is ParseErrorAction)
{
    // Misused flags (unknown option, a value of the wrong type) are usage errors: exit 2 as every command
    // documents, one "command: problem" line each, instead of the parser's default exit code 1.
    var command = parseResult.CommandResult.Command;
    var name = command == root ? "inference-gateway" : command.Name;
    foreach (var error in parseResult.Errors)
    {
        await Console.Error.WriteLineAsync(name + ": " + error.Message).ConfigureAwait(false);
    }

    await Console.Error.WriteLineAsync($"Run 'inference-gateway{(command == root ? "" : " " + name)} --help' for the options.").ConfigureAwait(false);
    return 2;
}

// SIGTERM/Ctrl+C cancel the command's token; the commands then drain (Kestrel and the host allow up to 10 s).
// The parser's own 2 s limit would exit 143 mid-drain on a loaded machine, so give the drain room to finish.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
return await parseResult.InvokeAsync(invocation).ConfigureAwait(false);
