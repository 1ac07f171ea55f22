using System.CommandLine;

namespace InferenceGateway.Cli.Commands;

/// <summary>The subcommands of the one CLI, in the order `--help` lists them. Each lives in its own file.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        // serve | epp | sim | bench | validate | crds (see docs/cli.md)
        yield return ServeCommand.Create();
        yield return EppCommand.Create();
        yield return SimCommand.Create();
        yield return ValidateCommand.Create();
        yield return CrdsCommand.Create();
        yield return BenchCommand.Create();
    }
}
