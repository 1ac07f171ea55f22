using System.CommandLine;
using InferenceGateway.Api.Cli;

namespace InferenceGateway.Cli.Commands;

/// <summary>`validate FILE...`: exit 0 all valid, 1 some invalid (one line per error), 2 unreadable input.</summary>
internal static class ValidateCommand
{
    internal static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Manifest files, or folders of .yaml/.yml/.json files (InferencePool, InferenceModel, v1 Pod, StaticEndpoints).",
            // Zero is allowed so that "nothing to check" exits 2 (unreadable input) rather than with a parse error.
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("validate", "Check manifests like the API server would (strict fields, types, defaults, every schema rule).");
        command.Arguments.Add(files);
        command.SetAction(parseResult => ValidateHandler.Run(parseResult.GetValue(files) ?? [], Console.Out, Console.Error));
        return command;
    }
}
