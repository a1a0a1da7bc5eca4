using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

public enum Byzantine
{
    None,
    /// <summary>Sends different PRE-PREPAREs for one slot to different replicas.</summary>
    EquivocatingPrimary,
    /// <summary>Adds votes for made-up digests, messages under another validator's name, and replays of old messages.</summary>
    ForgedAndReplayedVotes,
    /// <summary>Sends nothing at all.</summary>
    Silent,
    /// <summary>Leaves requests marked as censored out of every batch it proposes.</summary>
    CensoringPrimary,
    /// <summary>
    /// Two copies of the honest replica share one key, each talking to a different subset of the
    /// others (Twins, Bano et al. 2020): it can vote twice for a slot without a line of faulty code.
    /// The cluster runs the second copy; this behaviour leaves messages as they are.
    /// </summary>
    Twins,
}

/// <summary>
/// Rewrites the outgoing messages of one replica that otherwise runs the honest code, signing
/// what it makes up with its own real key, as a compromised validator could.
/// </summary>
internal sealed class ByzantineBehaviour(Byzantine kind, string selfId, SigningKeyPair key, IReadOnlyList<string> validators, Random random, Func<ByteString, bool> isCensored)
{
    private readonly List<ConsensusEnvelope> _history = [];

    public IEnumerable<ConsensusEnvelope> Rewrite(string from, string to, ConsensusEnvelope envelope)
    {
        var message = ConsensusMessage.Parser.ParseFrom(envelope.Body);
        switch (kind)
        {
            case Byzantine.Silent:
                return [];
            case Byzantine.EquivocatingPrimary when message.PrePrepare is { } prePrepare:
                // Half the replicas get a different batch for the same slot, and then the real one too.
                return validators.ToList().IndexOf(to) % 2 == 0
                    ? [envelope]
                    : [Reseal(Alter(prePrepare, keep: _ => random.Next(3) != 0, shiftTime: 1)), envelope];
            case Byzantine.CensoringPrimary when message.PrePrepare is { } prePrepare:
                return [Reseal(Alter(prePrepare, keep: r => !isCensored(r), shiftTime: 0))];
            case Byzantine.ForgedAndReplayedVotes:
                return Forge(envelope, message);
            default:
                return [envelope];
        }
    }

    private List<ConsensusEnvelope> Forge(ConsensusEnvelope envelope, ConsensusMessage message)
    {
        var result = new List<ConsensusEnvelope> { envelope };
        var randomDigest = new byte[Hash.Size];
        random.NextBytes(randomDigest);
        if (message.Prepare is { } prepare)
        {
            result.Add(Reseal(new ConsensusMessage { Prepare = new Prepare { View = prepare.View, Sequence = prepare.Sequence, Digest = ByteString.CopyFrom(randomDigest) } }));
        }
        if (message.Commit is { } commit)
        {
            // A commit whose certificate signature is over another digest than it names.
            result.Add(Reseal(new ConsensusMessage { Commit = new Commit { View = commit.View, Sequence = commit.Sequence, Digest = ByteString.CopyFrom(randomDigest), CommitSignature = commit.CommitSignature } }));
        }
        // The same body under another validator's name: the signature cannot match.
        result.Add(new ConsensusEnvelope { Sender = validators[random.Next(validators.Count)], Body = envelope.Body, Signature = envelope.Signature });
        // A PRE-PREPARE from a replica that is not the primary (most of the time).
        result.Add(Reseal(new ConsensusMessage { PrePrepare = new PrePrepare { View = (ulong)random.Next(3), Sequence = (ulong)random.Next(1, 50), Digest = ByteString.CopyFrom(randomDigest), Batch = new Batch() } }));
        if (_history.Count > 0)
        {
            result.Add(_history[random.Next(_history.Count)]);
        }
        if (_history.Count < 500)
        {
            _history.Add(envelope);
        }
        return result;
    }

    private static PrePrepare Alter(PrePrepare prePrepare, Func<ByteString, bool> keep, long shiftTime)
    {
        var batch = new Batch { TimeUnixMs = prePrepare.Batch.TimeUnixMs + shiftTime };
        batch.Requests.AddRange(prePrepare.Batch.Requests.Where(keep));
        return new PrePrepare
        {
            View = prePrepare.View,
            Sequence = prePrepare.Sequence,
            Digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests).ToByteString(),
            Batch = batch,
        };
    }

    private ConsensusEnvelope Reseal(PrePrepare prePrepare) => Reseal(new ConsensusMessage { PrePrepare = prePrepare });

    private ConsensusEnvelope Reseal(ConsensusMessage message) => Envelopes.Seal(selfId, key, message);
}
