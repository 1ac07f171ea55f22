using System.CommandLine;
using InferenceGateway.Api.Cli;

namespace InferenceGateway.Cli.Commands;

/// <summary>`crds [--output DIR]`: the CustomResourceDefinitions generated from the C# resource types.</summary>
internal static class CrdsCommand
{
    internal static Command Create()
    {
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write one file per CRD into this folder instead of printing them.",
            HelpName = "DIR",
        };
        var command = new Command("crds", "Print the CustomResourceDefinitions (apiextensions.k8s.io/v1) for InferenceModel and InferencePool.");
        command.Options.Add(output);
        command.SetAction(parseResult => CrdsHandler.Run(parseResult.GetValue(output), Console.Out, Console.Error));
        return command;
    }
}
