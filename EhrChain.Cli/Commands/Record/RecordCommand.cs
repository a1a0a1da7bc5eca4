using System.CommandLine;

namespace EhrChain.Cli.Commands.Record;

/// <summary><c>ehrchain record ...</c>: a record in and out as FHIR R4 (docs/fhir.md).</summary>
internal static class RecordCommand
{
    public static Command Create(GlobalOptions global)
    {
        var session = new SessionCommands(global);
        return new Command("record", "Import a FHIR R4 Bundle into a record, or export a record as one.")
        {
            FhirImportCommand.Create(session),
            FhirExportCommand.Create(session),
        };
    }
}
