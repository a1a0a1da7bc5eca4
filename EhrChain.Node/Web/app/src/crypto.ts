// The page's cryptography, byte for byte the C# client's (EhrChain.Core/Crypto, docs/crypto.md):
// Ed25519 over a domain prefix, sealed boxes (X25519 + HKDF-SHA256 + AES-256-GCM), content
// AES-256-GCM as nonce || ciphertext || tag, Shamir k-of-n over GF(2^8) for the escrow. All of
// it is WebCrypto except Shamir (no library the project would trust; the same 40 lines as C#).
// Private keys stay in this page as non-extractable CryptoKeys and never leave it.

// Undefined outside a secure context (plain HTTP to anything but loopback): the page says so at sign-in.
const subtle = globalThis.crypto.subtle;

export function checkSecureContext() {
  if (!globalThis.isSecureContext || !subtle) {
    throw new Error("this page is not in a secure context (HTTPS, or http://127.0.0.1), so the browser offers it no cryptography: ask the operator for the https address.");
  }
}
const text = new TextEncoder();

export const Domain = {
  transaction: text.encode("ehrchain/v1/transaction\0"),
  readRequest: text.encode("ehrchain/v1/read-request\0"),
};

const SealedBoxVersion = 1;
const SealedBoxInfo = text.encode("ehrchain/v1/sealed-box");

// PKCS#8 wrappers of a raw 32-byte private key (RFC 8410): WebCrypto imports no raw private keys.
const Ed25519Pkcs8Prefix = hex("302e020100300506032b657004220420");
const X25519Pkcs8Prefix = hex("302e020100300506032b656e04220420");

export function hex(value: string): Uint8Array {
  const bytes = new Uint8Array(value.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(value.substr(i * 2, 2), 16);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromBase64(value: string): Uint8Array {
  const binary = atob(value);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function randomBytes(count: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(count));
}

/** A 64-bit random nonce, as EhrClient draws from the system CSPRNG. */
export function randomNonce(): bigint {
  return new DataView(randomBytes(8).buffer).getBigUint64(0, true);
}

export interface Identity {
  signing: CryptoKey;
  encryption: CryptoKey;
  encryptionPublicKey: Uint8Array;
}

export async function importIdentity(signingSeed: Uint8Array, encryptionSecret: Uint8Array, signingPublic: Uint8Array, encryptionPublic: Uint8Array): Promise<Identity> {
  if (signingSeed.length !== 32 || encryptionSecret.length !== 32) throw new Error("the private keys are not 32 bytes each.");
  let signing: CryptoKey, encryption: CryptoKey;
  try {
    signing = await subtle.importKey("pkcs8", concat(Ed25519Pkcs8Prefix, signingSeed), { name: "Ed25519" }, false, ["sign"]);
    encryption = await subtle.importKey("pkcs8", concat(X25519Pkcs8Prefix, encryptionSecret), { name: "X25519" }, false, ["deriveBits"]);
  } catch (e) {
    if ((e as DOMException).name === "NotSupportedError") {
      throw new Error("this browser's WebCrypto has no Ed25519 or X25519: use a current Chromium, Firefox or Safari.");
    }
    throw new Error("the key file's private keys are not valid Ed25519 and X25519 keys.");
  }
  // The file's public halves must be the private keys' own, as KeyFile.Load checks.
  const probe = randomBytes(16);
  const signature = new Uint8Array(await subtle.sign({ name: "Ed25519" }, signing, probe));
  const verifier = await subtle.importKey("raw", signingPublic, { name: "Ed25519" }, false, ["verify"]);
  if (!(await subtle.verify({ name: "Ed25519" }, verifier, signature, probe))) {
    throw new Error("the signing public key is not the private key's (the file was altered).");
  }
  const other = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]) as CryptoKeyPair;
  const otherPublic = new Uint8Array(await subtle.exportKey("raw", other.publicKey));
  const mine = await agree(encryption, otherPublic);
  const theirs = await agree(other.privateKey, encryptionPublic);
  if (toHex(mine) !== toHex(theirs)) throw new Error("the encryption public key is not the private key's (the file was altered).");
  return { signing, encryption, encryptionPublicKey: encryptionPublic };
}

export async function sign(identity: Identity, domain: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign({ name: "Ed25519" }, identity.signing, concat(domain, message)));
}

async function agree(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  const peer = await subtle.importKey("raw", publicKey, { name: "X25519" }, false, []);
  const shared = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: peer }, privateKey, 256));
  // A low-order key gives an all-zero secret; SealedBox refuses it too.
  if (shared.every((b) => b === 0)) throw new Error("the recipient's encryption key is of low order.");
  return shared;
}

async function sealedBoxKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Promise<{ key: CryptoKey; nonce: Uint8Array }> {
  const ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  const bits = new Uint8Array(await subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: concat(ephemeralPublic, recipientPublic), info: SealedBoxInfo }, ikm, 44 * 8));
  const key = await subtle.importKey("raw", bits.slice(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  return { key, nonce: bits.slice(32) };
}

/** SealedBox.Seal: 0x01 || ephemeral public || AES-GCM(secret, aad = the first 33 bytes) || tag. */
export async function seal(recipientPublic: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  const ephemeral = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]) as CryptoKeyPair;
  const ephemeralPublic = new Uint8Array(await subtle.exportKey("raw", ephemeral.publicKey));
  const shared = await agree(ephemeral.privateKey, recipientPublic);
  const { key, nonce } = await sealedBoxKey(shared, ephemeralPublic, recipientPublic);
  const header = concat(new Uint8Array([SealedBoxVersion]), ephemeralPublic);
  const body = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: header }, key, secret));
  return concat(header, body);
}

/** SealedBox.Open with this participant's encryption key; throws when it was sealed to someone else or altered. */
export async function open(identity: Identity, box: Uint8Array): Promise<Uint8Array> {
  if (box.length < 33 + 16 || box[0] !== SealedBoxVersion) throw new Error("not a sealed box of a known version.");
  const ephemeralPublic = box.slice(1, 33);
  const shared = await agree(identity.encryption, ephemeralPublic);
  const { key, nonce } = await sealedBoxKey(shared, ephemeralPublic, identity.encryptionPublicKey);
  try {
    return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: box.slice(0, 33) }, key, box.slice(33)));
  } catch {
    throw new Error("the sealed box was not sealed to this key, or it was altered.");
  }
}

/** ContentCipher.Encrypt: nonce (12) || AES-256-GCM ciphertext || tag, the associated data authenticated but not stored. */
export async function encrypt(keyBytes: Uint8Array, plain: Uint8Array, associated: Uint8Array): Promise<Uint8Array> {
  const key = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const nonce = randomBytes(12);
  return concat(nonce, new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: associated }, key, plain)));
}

export async function decrypt(keyBytes: Uint8Array, box: Uint8Array, associated: Uint8Array): Promise<Uint8Array> {
  if (box.length < 12 + 16) throw new Error("the ciphertext is too short.");
  const key = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: box.slice(0, 12), additionalData: associated }, key, box.slice(12)));
  } catch {
    throw new Error("it does not decrypt with this key (another record, kind, author or epoch, or altered).");
  }
}

/** EntryBinding.AssociatedData: "ehrchain/v1/entry\0" record "\0" kind-number "\0" author "\0" epoch. */
export function entryBinding(recordId: string, kind: number, authorId: string, epoch: number): Uint8Array {
  return text.encode(`ehrchain/v1/entry\0${recordId}\0${kind}\0${authorId}\0${epoch}`);
}

/** ProfileBinding.AssociatedData: "ehrchain/v1/profile\0" participant "\0" version. */
export function profileBinding(participantId: string, version: number): Uint8Array {
  return text.encode(`ehrchain/v1/profile\0${participantId}\0${version}`);
}

// ---- Shamir k-of-n over GF(2^8), AES polynomial: ShamirSecretSharing.Split, share = index || bytes ----

function multiply(a: number, b: number): number {
  let x = a, y = b, product = 0;
  for (let i = 0; i < 8; i++) {
    product ^= x & -(y & 1);
    y >>= 1;
    x = ((x << 1) ^ (0x11b & -((x >> 7) & 1))) & 0x1ff;
  }
  return product & 0xff;
}

export function shamirSplit(secret: Uint8Array, shares: number, threshold: number): Uint8Array[] {
  if (threshold < 2 || threshold > shares || shares > 255) throw new Error(`need 2 <= threshold (${threshold}) <= shares (${shares}) <= 255.`);
  const result = Array.from({ length: shares }, (_, i) => {
    const share = new Uint8Array(1 + secret.length);
    share[0] = i + 1;
    return share;
  });
  for (let b = 0; b < secret.length; b++) {
    const coefficients = randomBytes(threshold - 1);
    for (let i = 0; i < shares; i++) {
      const x = i + 1;
      let value = 0;
      for (let c = coefficients.length - 1; c >= 0; c--) value = multiply(value, x) ^ coefficients[c];
      result[i][1 + b] = multiply(value, x) ^ secret[b];
    }
    coefficients.fill(0);
  }
  return result;
}

// ---- Key files (EhrChain.Core/Keys/KeyFile.cs) ----

export interface KeyFileData {
  id: string;
  role: string;
  signingPublicKey: Uint8Array;
  encryptionPublicKey: Uint8Array;
  encrypted: boolean;
  privateKeys: { signing?: string; encryption?: string; kdf?: string; n?: number; r?: number; p?: number; salt?: string; ciphertext?: string };
  associatedData: Uint8Array;
}

export function parseKeyFile(json: string): KeyFileData {
  let doc: any;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error("this is not a key file (not JSON).");
  }
  if (typeof doc !== "object" || doc === null || doc.version !== 1) throw new Error("this is not a version 1 key file.");
  for (const field of ["id", "role", "signingPublicKey", "encryptionPublicKey"]) {
    if (typeof doc[field] !== "string" || doc[field] === "") throw new Error(`the key file has no ${field}.`);
  }
  if (typeof doc.privateKeys !== "object" || doc.privateKeys === null) {
    throw new Error("the key file holds no private keys (a public identity cannot sign in).");
  }
  return {
    id: doc.id,
    role: doc.role,
    signingPublicKey: fromBase64(doc.signingPublicKey),
    encryptionPublicKey: fromBase64(doc.encryptionPublicKey),
    encrypted: doc.privateKeys.encrypted === true,
    privateKeys: doc.privateKeys,
    associatedData: text.encode(`ehrchain/v1/key-file\0${doc.id}\0${doc.role}\0${doc.signingPublicKey}\0${doc.encryptionPublicKey}`),
  };
}

/** The two private keys of a key file: in clear, or under scrypt + AES-256-GCM with the passphrase. */
export async function unlockKeyFile(file: KeyFileData, passphrase: string): Promise<Identity> {
  let signing: Uint8Array, encryption: Uint8Array;
  if (!file.encrypted) {
    if (!file.privateKeys.signing || !file.privateKeys.encryption) throw new Error("the key file's private keys are missing.");
    signing = fromBase64(file.privateKeys.signing);
    encryption = fromBase64(file.privateKeys.encryption);
  } else {
    const keys = file.privateKeys;
    if (keys.kdf !== "scrypt") throw new Error(`key files encrypted with '${keys.kdf}' are not supported (scrypt only).`);
    if (passphrase === "") throw new Error("this key file is encrypted: enter its passphrase.");
    const n = keys.n ?? 0, r = keys.r ?? 0, p = keys.p ?? 0;
    // The same bounds as KeyFile.Decrypt, so a hostile file cannot make the page allocate gigabytes.
    if (n < 1024 || (n & (n - 1)) !== 0 || n > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) throw new Error("scrypt parameters out of range.");
    const { scryptAsync } = await import("@noble/hashes/scrypt");
    const key = await scryptAsync(text.encode(passphrase), fromBase64(keys.salt ?? ""), { N: n, r, p, dkLen: 32 });
    let plain: Uint8Array;
    try {
      plain = await decrypt(key, fromBase64(keys.ciphertext ?? ""), file.associatedData);
    } catch {
      throw new Error("wrong passphrase (or the file was altered).");
    }
    if (plain.length !== 64) throw new Error("the decrypted private keys are not 64 bytes.");
    signing = plain.slice(0, 32);
    encryption = plain.slice(32);
  }
  return importIdentity(signing, encryption, file.signingPublicKey, file.encryptionPublicKey);
}
