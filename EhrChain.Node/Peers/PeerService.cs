using EhrChain.Core.Genesis;
using EhrChain.Node.Configuration;
using EhrChain.Node.Errors;
using EhrChain.Node.Tls;
using EhrChain.Node.Validators;
using Grpc.Core;

namespace EhrChain.Node.Peers;

/// <summary>The listening end of peer streams: authenticates the dialler's hello, then hands each message to the inbox.</summary>
internal sealed class PeerService(
    GenesisFile genesis, ValidatorDirectory directory, NodeIdentity identity, NodeOptions options, SeenHellos seen, IPeerInbox inbox, TimeProvider time,
    IHostApplicationLifetime lifetime, RefusalLog refusals) : Peer.PeerBase
{
    public override async Task<PeerStreamEnd> Stream(IAsyncStreamReader<PeerFrame> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return new PeerStreamEnd();
        }
        var first = requestStream.Current;
        if (first.KindCase != PeerFrame.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A peer stream must open with a hello."));
        }
        Refuse(PeerHandshake.Check(first.Hello, genesis, directory, identity.Id, time, Connection(context)), context);
        if (!seen.TryUse(first.Hello))
        {
            Refuse(HelloRefusal.Refused("this hello was used before (a replay)"), context);
        }

        var from = first.Hello.ValidatorId;
        // A peer stream never ends by itself; end it when this node stops, so shutdown is not held up.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            while (await requestStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var frame = requestStream.Current;
                if (frame.KindCase == PeerFrame.KindOneofCase.Message)
                {
                    inbox.Deliver(from, frame.Message.Memory);
                }
                else if (frame.KindCase == PeerFrame.KindOneofCase.Batch)
                {
                    foreach (var message in frame.Batch.Messages)
                    {
                        inbox.Deliver(from, message.Memory);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopping.
        }
        return new PeerStreamEnd();
    }

    /// <summary>What TLS proved about the dialler; null only on an insecure node.</summary>
    private TlsPeer? Connection(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            // The peer listener requires a client certificate; without one this node must be insecure.
            return options.Insecure ? null : new TlsPeer([], null);
        }
        return new TlsPeer(ValidatorCertificate.HashOf(certificate), ValidatorCertificate.IdOf(certificate));
    }

    private void Refuse(HelloRefusal? refusal, ServerCallContext context)
    {
        if (refusal is null)
        {
            return;
        }
        // Anyone who reaches the peer port can be refused, as often as they like: rate-limited, by a fixed code.
        var reason = refusal.IsMalformed ? "PEER_HELLO_MALFORMED" : "PEER_REFUSED";
        refusals.RefusedPeer(reason, context.Peer, refusal.Reason);
        throw refusal.IsMalformed
            ? ApiErrors.BadRequest(reason, "hello", $"Peer refused: {refusal.Reason}.")
            : ApiErrors.Create(StatusCode.PermissionDenied, reason, $"Peer refused: {refusal.Reason}.");
    }
}
