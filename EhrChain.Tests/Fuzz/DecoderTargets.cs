using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EhrChain.Client;
using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Queries;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Admission;
using EhrChain.Node.Api;
using EhrChain.Node.Configuration;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Tests.Fuzz;

/// <summary>
/// Every decoder that reads bytes from outside, each behind the checks a node runs on what it
/// decodes: admission for transactions, the read verifier for read requests, envelope opening for
/// peer messages, hashing for stored blocks, the request guard for gRPC frames, and the key and
/// genesis file parsers. A target returns normally for any input, accepted or refused; any other
/// exception is a bug the fuzzers report.
/// </summary>
public sealed class DecoderTargets : IDisposable
{
    private const string ChainId = "ehr-fuzz";
    private readonly TransactionAdmission _admission;
    private readonly MemoryChainStore _store;
    private readonly ValidatorSet _validators;
    private readonly SigningKeyPair _validatorKey;
    private readonly DateTimeOffset _now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    public DecoderTargets()
    {
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var validatorKeys = Enumerable.Range(0, 4).Select(_ => SigningKeyPair.Generate()).ToArray();
        var genesis = new GenesisFile(ChainId, _now.AddDays(-1),
            [.. validatorKeys.Select((key, i) => new GenesisValidator($"node-{i}", $"127.0.0.1:{7100 + i}", key.PublicKey, EncryptionKeyPair.Generate().PublicKey))],
            new GenesisAdmin(admin.Id, "Administrator", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        _store = new MemoryChainStore();
        GenesisBlock.Initialise(_store, genesis);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(_now);
        _admission = new TransactionAdmission(genesis, _store, new AdmissionOptions(), time, new VerifiedSignatures());
        _validators = ValidatorSet.FromGenesis(genesis);
        _validatorKey = validatorKeys[1];

        var client = new EhrClient(admin, ChainId, time);
        var transaction = client.AddParticipant(KeyFile.Generate("pat-1", KeyRole.Patient), new Profile { Name = "P" });
        var read = client.Read(new ReadQuery { GetParticipant = new GetParticipantQuery { ParticipantId = admin.Id } });
        var envelope = Envelopes.Seal("node-1", validatorKeys[1], new ConsensusMessage { Prepare = new Prepare { View = 3, Sequence = 7, Digest = ByteString.CopyFrom(new byte[32]) } });
        var block = _store.GetBlock(0)!;
        var keyFile = System.IO.Path.GetTempFileName();
        try
        {
            admin.Save(keyFile);
            Seeds = new Dictionary<string, byte[][]>
            {
                ["transaction"] = [transaction.ToByteArray(), new SignedTransaction { Payload = transaction.Payload }.ToByteArray()],
                ["payload"] = [transaction.Payload.ToByteArray()],
                ["read-request"] = [read.ToByteArray()],
                ["read-body"] = [read.Request.ToByteArray()],
                ["consensus"] = [envelope.ToByteArray()],
                ["consensus-body"] = [envelope.Body.ToByteArray()],
                ["block"] = [block.ToByteArray()],
                ["block-header"] = [block.Header.ToByteArray()],
                ["grpc-frame"] = [Frame(new SubmitRequest { Transaction = transaction }.ToByteArray())],
                ["key-file"] = [File.ReadAllBytes(keyFile)],
                ["genesis"] = [Encoding.UTF8.GetBytes(genesis.ToJson())],
            };
        }
        finally
        {
            File.Delete(keyFile);
        }
        Targets = new Dictionary<string, Action<byte[]>>
        {
            ["transaction"] = Transaction,
            ["payload"] = input => Admit(new SignedTransaction { Payload = ByteString.CopyFrom(input), Signature = ByteString.CopyFrom(new byte[64]) }),
            ["read-request"] = ReadRequest,
            ["read-body"] = input => Verify(new SignedReadRequest { Request = ByteString.CopyFrom(input), Signature = ByteString.CopyFrom(new byte[64]) }),
            ["consensus"] = ConsensusEnvelopeOf,
            // Signed by a validator, so the body gets past the signature check to the decoder.
            ["consensus-body"] = input => Open(new ConsensusEnvelope { Sender = "node-1", Body = ByteString.CopyFrom(input), Signature = ByteString.CopyFrom(_validatorKey.Sign(SigningDomain.ConsensusMessage, input)) }),
            ["block"] = StoredBlock,
            ["block-header"] = BlockHeaderOf,
            ["grpc-frame"] = GrpcFrame,
            ["key-file"] = KeyFileOf,
            ["genesis"] = GenesisOf,
        };
    }

    public void Dispose() => _store.Dispose();

    /// <summary>Target name to target.</summary>
    public IReadOnlyDictionary<string, Action<byte[]>> Targets { get; }

    /// <summary>Target name to valid inputs the mutators start from.</summary>
    public IReadOnlyDictionary<string, byte[][]> Seeds { get; }

    private void Transaction(byte[] input)
    {
        SignedTransaction transaction;
        try
        {
            transaction = SignedTransaction.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        Admit(transaction);
    }

    private void Admit(SignedTransaction transaction)
    {
        try
        {
            _admission.Admit(transaction);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Unknown && e.StatusCode != StatusCode.Internal)
        {
            // A refusal, as a client would get it.
        }
    }

    private void ReadRequest(byte[] input)
    {
        SignedReadRequest request;
        try
        {
            request = SignedReadRequest.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        Verify(request);
    }

    private void Verify(SignedReadRequest request)
    {
        using var view = _store.OpenView();
        ReadRequestVerifier.Verify(view, request, ChainId, _now);
    }

    private void ConsensusEnvelopeOf(byte[] input)
    {
        ConsensusEnvelope envelope;
        try
        {
            envelope = ConsensusEnvelope.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        Open(envelope);
    }

    private void Open(ConsensusEnvelope envelope)
    {
        Envelopes.Open(envelope, _validators, out _, out _);
        new EnvelopeVerifier(_validators).Open(envelope, out _, out _);
    }

    private static void StoredBlock(byte[] input)
    {
        Block block;
        try
        {
            block = StorageEncoding.ParseBlock(input, 1);
        }
        catch (StorageException)
        {
            return;
        }
        BlockHashing.TxRoot(block);
        BlockHashing.ResultsRoot(block);
        if (block.Header is not null)
        {
            Canonical(block.Header);
        }
    }

    private static void BlockHeaderOf(byte[] input)
    {
        BlockHeader header;
        try
        {
            header = BlockHeader.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        Canonical(header);
    }

    private static void Canonical(BlockHeader header)
    {
        try
        {
            BlockHashing.CanonicalHeaderBytes(header);
        }
        catch (FormatException)
        {
            // The codec's refusal of a header it cannot hash (a hash field of the wrong length, an overlong proposer id).
        }
    }

    private static void GrpcFrame(byte[] input)
    {
        var body = PipeReader.Create(new ReadOnlySequence<byte>(input));
        var (frame, refusal) = GrpcRequestGuard.ReadOneFrameAsync(body, SubmitRequest.Descriptor, 64 * 1024, CancellationToken.None).GetAwaiter().GetResult();
        if ((frame is null) == (refusal is null))
        {
            throw new InvalidOperationException("The guard must return a frame or a refusal, not both or neither.");
        }
    }

    private static void KeyFileOf(byte[] input)
    {
        try
        {
            KeyFile.Parse(Encoding.UTF8.GetString(input));
        }
        catch (KeyFileException)
        {
        }
    }

    private static void GenesisOf(byte[] input)
    {
        try
        {
            GenesisFile.Parse(Encoding.UTF8.GetString(input));
        }
        catch (FormatException)
        {
        }
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[GrpcInputLimits.FrameHeaderBytes + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, GrpcInputLimits.FrameHeaderBytes);
        return frame;
    }
}
