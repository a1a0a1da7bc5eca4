// The node's public API as the page uses it: gRPC-Web to the origin that served the page, every
// read signed as EhrClient.Read signs it, every transaction as EhrClient.Sign does, and the
// causality token (ehrchain-after-height) so a read after a write sees the write.

import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { Ledger, SubmitRequestSchema, type TransactionReceipt } from "../gen/ehrchain/v1/ledger_service_pb";
import { ReadQuerySchema, ReadRequestSchema, SignedReadRequestSchema, type SignedReadRequest } from "../gen/ehrchain/v1/ehr_pb";
import { SignedTransactionSchema, TransactionPayloadSchema, type SignedTransaction } from "../gen/ehrchain/v1/transaction_pb";
import { Health } from "../gen/grpc/health/v1/health_pb";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb";
import { Domain, randomNonce, sign, type Identity } from "./crypto";

const transport = createGrpcWebTransport({ baseUrl: location.origin, useBinaryFormat: true });
export const ledger: Client<typeof Ledger> = createClient(Ledger, transport);
export const health: Client<typeof Health> = createClient(Health, transport);

/** A refusal as the CLI prints it: the node's reason (ErrorInfo) and its message. */
export function describe(error: unknown): string {
  if (error instanceof ConnectError) {
    const reason = error.findDetails(ErrorInfoSchema)[0]?.reason;
    if (error.code === Code.Unavailable && !reason) return `UNAVAILABLE: the node did not answer (${error.rawMessage || "connection failed"}).`;
    return `${reason || Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}: ${error.rawMessage}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export type ActionInit = MessageInitShape<typeof TransactionPayloadSchema>["action"];

/** A signed-in participant (or validator): their id, keys and the chain they sign for. */
export class Session {
  /** The highest block height this session has seen committed: reads wait for it (causality token). */
  seenHeight = 0n;

  constructor(readonly id: string, readonly role: string, readonly identity: Identity, readonly chainId: string) {}

  private headers(): HeadersInit {
    return this.seenHeight > 0n ? { "ehrchain-after-height": this.seenHeight.toString() } : {};
  }

  callOptions() {
    return { headers: this.headers() };
  }

  async signRead(query: MessageInitShape<typeof ReadQuerySchema>["query"]): Promise<SignedReadRequest> {
    const request = toBinary(ReadRequestSchema, create(ReadRequestSchema, {
      chainId: this.chainId,
      readerId: this.id,
      createdUnixMs: BigInt(Date.now()),
      nonce: randomNonce(),
      query: create(ReadQuerySchema, { query }),
    }));
    return create(SignedReadRequestSchema, { request, signature: await sign(this.identity, Domain.readRequest, request) });
  }

  /** The exact payload bytes and their signature, as EhrClient.Sign builds them. */
  async signTransaction(action: ActionInit): Promise<SignedTransaction> {
    const payload = toBinary(TransactionPayloadSchema, create(TransactionPayloadSchema, {
      chainId: this.chainId,
      signerId: this.id,
      nonce: randomNonce(),
      createdUnixMs: BigInt(Date.now()),
      action,
    }));
    return create(SignedTransactionSchema, { payload, signature: await sign(this.identity, Domain.transaction, payload) });
  }

  /** Submits and waits for the block; a refusal (at admission or execution) throws with the node's reason. */
  async submit(action: ActionInit): Promise<TransactionReceipt> {
    const transaction = await this.signTransaction(action);
    const response = await ledger.submit(create(SubmitRequestSchema, { transaction, wait: true }), this.callOptions());
    const receipt = response.receipt!;
    if (receipt.height > this.seenHeight) this.seenHeight = receipt.height;
    return receipt;
  }

  noteHeight(height: bigint) {
    if (height > this.seenHeight) this.seenHeight = height;
  }
}
