using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>Submits a transaction and reports it: its id, or with --wait the block it landed in.</summary>
internal static class Submission
{
    /// <summary>Submits and reports; <paramref name="extra"/> adds fields to --output json (the text names them in <paramref name="what"/>).</summary>
    public static async Task<int> SubmitAsync(LedgerSession session, CliOutput cli, SignedTransaction transaction, bool wait, string what, CancellationToken cancellationToken, JsonObject? extra = null)
    {
        var response = await session.SubmitAsync(transaction, wait, cancellationToken).ConfigureAwait(false);
        var json = extra ?? [];
        json["txId"] = response.TxId;
        json["committed"] = response.Receipt is not null;
        if (response.Receipt is { } receipt)
        {
            json["height"] = receipt.Height;
            json["blockHash"] = receipt.BlockHash;
            json["result"] = receipt.Result.Code.ToString();
        }
        cli.Result(json, text => text.Say(response.Receipt is { } r
            ? $"{what}: committed in block {r.Height} ({r.BlockHash[..8]}), tx {response.TxId}"
            : $"{what}: submitted tx {response.TxId} (use --wait to wait for the block)"));
        return ExitCodes.Success;
    }
}
