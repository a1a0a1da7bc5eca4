using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EhrChain.Cli.Output;

/// <summary>
/// The only place the CLI writes to the terminal. Text mode is for people (plain lines and tables);
/// JSON mode prints one JSON document per command for scripts. Errors go to stderr as one line.
/// </summary>
public sealed class CliOutput(OutputFormat format, TextWriter stdout, TextWriter stderr)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public OutputFormat Format { get; } = format;

    public bool IsJson => Format == OutputFormat.Json;

    public static CliOutput Console(OutputFormat format) => new(format, System.Console.Out, System.Console.Error);

    /// <summary>A line for people; silent in JSON mode, where only the result document is printed.</summary>
    public void Say(string line)
    {
        if (!IsJson)
        {
            stdout.WriteLine(line);
        }
    }

    /// <summary>A document that is itself the command's output (a FHIR Bundle), printed as it is in either mode.</summary>
    public void Document(string text) => stdout.WriteLine(text);

    /// <summary>The command's result: <paramref name="json"/> in JSON mode, <paramref name="text"/> otherwise.</summary>
    public void Result(JsonNode json, Action<CliOutput> text)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(text);
        if (IsJson)
        {
            stdout.WriteLine(json.ToJsonString(Indented));
        }
        else
        {
            text(this);
        }
    }

    /// <summary>A table of rows for people (Spectre.Console), or a JSON array of objects.</summary>
    public void Table(string[] columns, IEnumerable<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var list = rows.ToList();
        if (IsJson)
        {
            var array = new JsonArray();
            foreach (var row in list)
            {
                var item = new JsonObject();
                for (var i = 0; i < columns.Length; i++)
                {
                    item[columns[i]] = row[i];
                }
                array.Add(item);
            }
            stdout.WriteLine(array.ToJsonString(Indented));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }
        foreach (var row in list)
        {
            table.AddRow(row.Select(cell => new Markup(Markup.Escape(cell))).ToArray());
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        if (System.Console.IsOutputRedirected)
        {
            // Piped into a file or another program: no terminal width to fit, so do not wrap cells.
            console.Profile.Width = 240;
        }
        console.Write(table);
    }

    public void Error(string message) => stderr.WriteLine($"error: {message}");
}
