// What a participant does with records, as EhrClient does it: open the data keys sealed to them,
// decrypt entries and profiles, and build grants, revocations (with key rotation and escrow)
// and appends. Every transaction is signed here and judged by the node.

import { create, fromBinary } from "@bufbuild/protobuf";
import {
  EpochKeySchema, GrantAccessSchema, GrantAccessToLabSchema, NewEntrySchema, ParticipantRole, Permission, ProfileSchema,
  ReaderKeySchema, RevokeAccessFromLabSchema, RevokeAccessSchema, UpdateAssetSchema,
  type AccessGrant, type EntryKind, type ParticipantProfile, type RecordEntry, type RecordView, type ReaderKey,
} from "../gen/ehrchain/v1/ehr_pb";
import { EscrowShareSchema } from "../gen/ehrchain/v1/emergency_pb";
import { ledger, type Session } from "./api";
import { decrypt, encrypt, entryBinding, fromBase64, open, profileBinding, randomBytes, seal, shamirSplit } from "./crypto";

export interface Network {
  chainId: string;
  genesisHash: string;
  emergency: { threshold: number; trustees: { id: string; encryptionPublicKey: string }[] } | null;
}

export interface OpenedEntry {
  entry: RecordEntry;
  content: string | null;
  problem: string | null;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

export async function getParticipant(session: Session, participantId: string): Promise<ParticipantProfile> {
  return ledger.getParticipant(await session.signRead({ case: "getParticipant", value: { participantId } }), session.callOptions());
}

export async function getRecord(session: Session, recordId: string): Promise<RecordView> {
  return ledger.getRecord(await session.signRead({ case: "getRecord", value: { recordId } }), session.callOptions());
}

/** The data keys sealed to this reader, by epoch; epochs sealed to an earlier key of theirs are absent. */
export async function openKeys(session: Session, view: RecordView): Promise<Map<number, Uint8Array>> {
  const keys = new Map<number, Uint8Array>();
  for (const sealed of view.readerKeys) {
    try {
      keys.set(sealed.epoch, await open(session.identity, sealed.sealedKey));
    } catch {
      // Sealed to an earlier encryption key of this reader, or damaged: that epoch stays unreadable.
    }
  }
  return keys;
}

export async function decryptEntries(view: RecordView, keys: Map<number, Uint8Array>): Promise<OpenedEntry[]> {
  return Promise.all(view.entries.map(async (entry) => {
    const key = keys.get(entry.keyEpoch);
    if (!key) return { entry, content: null, problem: `no data key for epoch ${entry.keyEpoch} is held` };
    try {
      const plain = await decrypt(key, entry.ciphertext, entryBinding(entry.recordId, entry.kind, entry.authorId, entry.keyEpoch));
      return { entry, content: utf8.decode(plain), problem: null };
    } catch (e) {
      return { entry, content: null, problem: (e as Error).message };
    }
  }));
}

/** The profile key of a participant as sealed to this session, or null when it is not shared with them. */
export async function openProfileKey(session: Session, participant: ParticipantProfile): Promise<Uint8Array | null> {
  const mine = participant.sealedProfile?.readers.find((r) => r.readerId === session.id);
  if (!mine) return null;
  try {
    return await open(session.identity, mine.sealedKey);
  } catch {
    return null;
  }
}

/** A participant's name, when their profile is shared with this session. */
export async function nameOf(session: Session, participant: ParticipantProfile): Promise<string | null> {
  const key = await openProfileKey(session, participant);
  if (!key || !participant.sealedProfile) return null;
  try {
    const plain = await decrypt(key, participant.sealedProfile.ciphertext, profileBinding(participant.id, participant.sealedProfile.version));
    return fromBinary(ProfileSchema, plain).name || null;
  } catch {
    return null;
  }
}

/** A live grant at this moment, judged as the node judges one (not revoked, no expiry or not yet expired). */
export function isLive(grant: AccessGrant, nowMs = Date.now()): boolean {
  return grant.revokedUnixMs === 0n && (grant.expiresUnixMs === 0n || grant.expiresUnixMs > BigInt(nowMs));
}

/**
 * EhrClient.GrantAccess / GrantAccessToLab: the data key of every epoch sealed to the grantee,
 * and (unless the owner has no profile) the owner's profile key, so the grantee reads the name.
 */
export async function grant(session: Session, recordId: string, granteeId: string, permission: Permission, expiresUnixMs: bigint) {
  const grantee = await getParticipant(session, granteeId);
  if (grantee.role !== ParticipantRole.DOCTOR && grantee.role !== ParticipantRole.LABORATORY) {
    throw new Error(`${granteeId} is a ${ParticipantRole[grantee.role].toLowerCase()}: records are granted to doctors and laboratories.`);
  }
  const view = await getRecord(session, recordId);
  const keys = await openKeys(session, view);
  const epoch = view.record!.keyEpoch;
  const sealedKeys = [];
  for (let e = 0; e <= epoch; e++) {
    const key = keys.get(e);
    if (!key) throw new Error(`the data key of epoch ${e} is not sealed to you, so it cannot be handed over.`);
    sealedKeys.push(create(EpochKeySchema, { epoch: e, sealedKey: await seal(grantee.encryptionPublicKey, key) }));
  }
  const own = await getParticipant(session, session.id);
  const profileKey = await openProfileKey(session, own);
  const sharedProfile = profileKey ? create(ReaderKeySchema, { readerId: granteeId, sealedKey: await seal(grantee.encryptionPublicKey, profileKey) }) : undefined;
  return session.submit(grantee.role === ParticipantRole.LABORATORY
    ? { case: "grantAccessToLab", value: create(GrantAccessToLabSchema, { recordId, laboratoryId: granteeId, expiresUnixMs, sealedKeys, profileKey: sharedProfile }) }
    : { case: "grantAccess", value: create(GrantAccessSchema, { recordId, doctorId: granteeId, permission, expiresUnixMs, sealedKeys, profileKey: sharedProfile }) });
}

/**
 * EhrClient.RevokeAccess / RevokeAccessFromLab: the next epoch's fresh key sealed to the owner
 * and every other live grantee, and split among the network's emergency trustees.
 */
export async function revoke(session: Session, network: Network, recordId: string, revoked: AccessGrant, grants: AccessGrant[]) {
  const nextKey = randomBytes(32);
  const readers: { id: string; key: Uint8Array }[] = [{ id: session.id, key: session.identity.encryptionPublicKey }];
  for (const other of grants.filter((g) => g.granteeId !== revoked.granteeId && isLive(g))) {
    readers.push({ id: other.granteeId, key: (await getParticipant(session, other.granteeId)).encryptionPublicKey });
  }
  const rotatedKeys: ReaderKey[] = [];
  for (const reader of readers) {
    rotatedKeys.push(create(ReaderKeySchema, { readerId: reader.id, sealedKey: await seal(reader.key, nextKey) }));
  }
  const escrowShares = [];
  if (network.emergency) {
    const trustees = network.emergency.trustees;
    const shares = shamirSplit(nextKey, trustees.length, network.emergency.threshold);
    for (let i = 0; i < trustees.length; i++) {
      escrowShares.push(create(EscrowShareSchema, { trusteeId: trustees[i].id, sealedShare: await seal(fromBase64(trustees[i].encryptionPublicKey), shares[i]) }));
      shares[i].fill(0);
    }
  }
  const receipt = await session.submit(revoked.granteeRole === ParticipantRole.LABORATORY
    ? { case: "revokeAccessFromLab", value: create(RevokeAccessFromLabSchema, { recordId, laboratoryId: revoked.granteeId, rotatedKeys, escrowShares }) }
    : { case: "revokeAccess", value: create(RevokeAccessSchema, { recordId, doctorId: revoked.granteeId, rotatedKeys, escrowShares }) });
  nextKey.fill(0);
  return receipt;
}

/** EhrClient.AppendEntries: one entry encrypted under the record's current epoch, authored by this session. */
export async function append(session: Session, recordId: string, kind: EntryKind, content: string) {
  const view = await getRecord(session, recordId);
  const epoch = view.record!.keyEpoch;
  const key = (await openKeys(session, view)).get(epoch);
  if (!key) throw new Error(`you hold no data key for the record's current epoch ${epoch}.`);
  const ciphertext = await encrypt(key, new TextEncoder().encode(content), entryBinding(recordId, kind, session.id, epoch));
  return session.submit({ case: "updateAsset", value: create(UpdateAssetSchema, { recordId, entries: [create(NewEntrySchema, { kind, keyEpoch: epoch, ciphertext })] }) });
}
