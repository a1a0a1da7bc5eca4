using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Fhir;

namespace EhrChain.Cli.Commands.Record;

/// <summary>
/// <c>ehrchain record export R --fhir [--out FILE]</c>: what the reader may read of a record as a
/// FHIR R4 Bundle (collection): the entries it can decrypt and the grants as Consents. The bundle
/// holds health data in clear, so a file is created owner-only.
/// </summary>
internal static class FhirExportCommand
{
    public static Command Create(SessionCommands session)
    {
        var id = new Argument<string>("record") { Description = "The record (alias or id)." };
        var fhir = new Option<bool>("--fhir") { Description = "Write FHIR R4 JSON (the one export format; named so that another can be added beside it).", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the Bundle to this file (created owner-only) instead of standard output." };
        var command = new Command("export", "Export what you may read of a record as a FHIR R4 Bundle, grants as Consents.") { id, fhir, output };
        session.AddTo(command);
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var aliases = LocalHome.Current().Aliases();
            var recordId = aliases.Resolve(parse.GetRequiredValue(id));
            var view = await s.RecordAsync(recordId, ct).ConfigureAwait(false);
            var grants = await s.GrantsAsync(recordId, ct).ConfigureAwait(false);
            // With no key at all (an Admin sees metadata only) every entry counts as unreadable.
            var entries = view.ReaderKeys.Count == 0
                ? view.Entries.Select(e => new EhrChain.Client.DecryptedEntry(e, null, "no key")).ToList()
                : s.Client.Decrypt(view);
            var export = FhirExport.Build(view.Record, entries, grants.Grants, DateTimeOffset.UtcNow);
            var json = FhirJson.ToText(export.Bundle, pretty: true);
            if (parse.GetValue(output) is not { } file)
            {
                // The SDK's serialisation goes out untouched, whatever --output says: it is already JSON.
                cli.Document(json);
                return ExitCodes.Success;
            }
            Write(file, json);
            var summary = new JsonObject
            {
                ["record"] = recordId,
                ["file"] = file.FullName,
                ["fhirEntries"] = export.FhirEntries,
                ["textEntries"] = export.TextEntries,
                ["unreadableEntries"] = export.UnreadableEntries,
                ["consents"] = export.Consents,
            };
            cli.Result(summary, text => text.Say(
                $"Exported {aliases.Describe(recordId)} to {file.Name}: {export.FhirEntries} FHIR resources, {export.TextEntries} text entries as DocumentReference, {export.Consents} grants as Consent"
                + (export.UnreadableEntries > 0 ? $"; {export.UnreadableEntries} entries you hold no key for were left out." : ".")));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static void Write(FileInfo file, string json)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var stream = new FileStream(file.FullName, options);
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--out: cannot write '{file.Name}': {e.Message}");
        }
    }
}
