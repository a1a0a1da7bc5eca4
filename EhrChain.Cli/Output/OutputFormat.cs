namespace EhrChain.Cli.Output;

public enum OutputFormat
{
    Text,
    Json,
}
