// The page: sign-in with a key file read in this page, a patient's records and grants, a
// clinician's patients and appends, the operator's view of the network, and live updates from
// Subscribe. Plain DOM; every text the chain or a user supplies goes in as textContent.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AccessBasis, AccessKind } from "../gen/ehrchain/v1/access_log_pb";
import { EntryKind, ParticipantRole, Permission, type AccessGrant, type MedicalRecord } from "../gen/ehrchain/v1/ehr_pb";
import { StatusRequestSchema, type BlockEvent, type NodeStatus } from "../gen/ehrchain/v1/ledger_service_pb";
import { HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb";
import { describe, health, ledger, Session } from "./api";
import { checkSecureContext, parseKeyFile, unlockKeyFile } from "./crypto";
import { append, decryptEntries, getParticipant, getRecord, grant, isLive, nameOf, openKeys, revoke, type Network } from "./records";

type Child = Node | string | null | undefined | false;

function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

const $ = (id: string) => document.getElementById(id)!;

function time(ms: bigint): string {
  return ms === 0n ? "—" : new Date(Number(ms)).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function label(name: string | undefined): string {
  return (name ?? "unknown").toLowerCase().replace(/_/g, " ");
}

function short(hash: string): string {
  return hash.length > 16 ? hash.slice(0, 16) + "…" : hash;
}

let session: Session | null = null;
let network: Network | null = null;
let view: "signin" | "records" | "network" = "signin";
let subscription: AbortController | null = null;
const recentBlocks: BlockEvent[] = [];
const heights: { at: number; height: bigint }[] = [];
let refreshTimer: number | undefined;
let statusTimer: number | undefined;
/** Counts redraws: one that finishes after a newer one began (a sign-out during a refresh) is dropped. */
let renderGeneration = 0;

function showError(message: string) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  $("notice").hidden = true;
}

function showNotice(message: string) {
  const box = $("notice");
  box.textContent = message;
  box.hidden = false;
  $("error").hidden = true;
}

function clearMessages() {
  $("error").hidden = true;
  $("notice").hidden = true;
}

/** Runs a user's action: its failure, the node's reason included, is shown in the page, never only in the console. */
async function act(button: HTMLButtonElement | null, action: () => Promise<string | void>) {
  if (button) button.disabled = true;
  clearMessages();
  try {
    const done = await action();
    if (done) showNotice(done);
  } catch (error) {
    showError(describe(error));
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- sign-in ----

function renderSignIn() {
  const file = el("input", { type: "file", id: "keyfile", accept: ".json,application/json" }) as HTMLInputElement;
  const passphrase = el("input", { type: "password", id: "passphrase", autocomplete: "current-password", placeholder: "only for an encrypted key file" }) as HTMLInputElement;
  const button = el("button", { id: "signin-button", type: "button" }, "Sign in") as HTMLButtonElement;
  button.addEventListener("click", () => act(button, async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error("Choose your key file first.");
    await signIn(await chosen.text(), passphrase.value);
  }));
  return el("section", { id: "signin" },
    el("h2", {}, "Sign in"),
    el("p", {}, "Choose your key file (", el("code", {}, "*.key.json"), "). It is read in this page and never sent: the page signs your requests and decrypts your records here, and the node sees only signatures and ciphertext."),
    el("label", {}, "Key file ", file),
    el("label", {}, "Passphrase ", passphrase),
    button,
    el("p", { class: "hint" }, "Operators: the Network view needs no key; sign in with a validator's or an auditor's key to follow blocks as they commit."));
}

async function signIn(json: string, passphrase: string) {
  checkSecureContext();
  const file = parseKeyFile(json);
  const identity = await unlockKeyFile(file, passphrase);
  network ??= await (await fetch("/network.json")).json() as Network;
  const candidate = new Session(file.id, file.role, identity, network.chainId);
  if (file.role !== "validator") {
    // The node checks the signature and that the signer is enrolled: a refusal names why.
    const me = await getParticipant(candidate, file.id);
    if (me.role === ParticipantRole.UNSPECIFIED) throw new Error("The node does not know this participant.");
  }
  session = candidate;
  const status = await ledger.status(create(StatusRequestSchema, {}));
  startSubscription(status.height + 1n);
  view = file.role === "patient" || file.role === "doctor" || file.role === "laboratory" ? "records" : "network";
  await render();
}

function signOut() {
  subscription?.abort();
  subscription = null;
  session = null;
  recentBlocks.length = 0;
  view = "signin";
  void render();
}

// ---- live updates ----

/** One Subscribe stream per session, resumed from the next height after a break, with a fresh signed request each time. */
function startSubscription(fromHeight: bigint) {
  subscription?.abort();
  const controller = new AbortController();
  subscription = controller;
  const current = session!;
  void (async () => {
    let next = fromHeight;
    while (!controller.signal.aborted) {
      try {
        const auth = await current.signRead({ case: "subscribe", value: { fromHeight: next, includeBlocks: false } });
        $("live").textContent = "live";
        for await (const event of ledger.subscribe({ fromHeight: next, includeBlocks: false, auth }, { signal: controller.signal })) {
          next = event.height + 1n;
          current.noteHeight(event.height);
          recentBlocks.unshift(event);
          recentBlocks.length = Math.min(recentBlocks.length, 12);
          $("live").textContent = `live: block ${event.height}`;
          if (view === "network") {
            renderBlocks();
            // The stream is newer than the last Status poll: show its height and hash at once.
            const height = document.querySelector<HTMLElement>("#network td[data-field='height']");
            const head = document.querySelector<HTMLElement>("#network td[data-field='head hash']");
            if (height && head && BigInt(height.textContent || "0") < event.height) {
              height.textContent = String(event.height);
              head.textContent = event.hash;
            }
          }
          else if (event.outcomes.length > 0) scheduleRefresh();
        }
      } catch (error) {
        if (controller.signal.aborted || (error instanceof ConnectError && error.code === Code.Canceled)) return;
        $("live").textContent = `updates paused (${describe(error)}); retrying`;
        if (error instanceof ConnectError && error.code === Code.PermissionDenied) return;
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    }
  })();
}

/** A block touching what this participant sees redraws the view, keeping what they were typing. */
function scheduleRefresh() {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void render(), 300);
}

// ---- a record, as its owner or a grantee sees it ----

async function recordSection(recordId: string, asOwner: boolean): Promise<HTMLElement> {
  const current = session!;
  const section = el("section", { class: "record", "data-record": recordId }, el("h3", {}, `Record ${recordId}`));
  let record: MedicalRecord;
  try {
    const recordView = await getRecord(current, recordId);
    record = recordView.record!;
    const entries = await decryptEntries(recordView, await openKeys(current, recordView));
    section.append(el("p", { class: "meta" }, `${record.entryCount} entries · key epoch ${record.keyEpoch} · created ${time(record.createdUnixMs)}`));
    section.append(el("table", { class: "entries" },
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "kind"), el("th", {}, "author"), el("th", {}, "time"), el("th", {}, "content"))),
      el("tbody", {}, ...entries.map((opened) => el("tr", { class: "entry" },
        el("td", {}, String(opened.entry.index)),
        el("td", { class: "kind" }, label(EntryKind[opened.entry.kind])),
        el("td", {}, opened.entry.authorId === current.id ? "you" : opened.entry.authorId),
        el("td", {}, time(opened.entry.timeUnixMs)),
        el("td", { class: opened.content === null ? "content sealed" : "content" }, opened.content ?? `(cannot decrypt: ${opened.problem})`))))));
  } catch (error) {
    section.append(el("p", { class: "refusal" }, describe(error)));
    return section;
  }
  if (asOwner) {
    await ownerParts(section, record);
  } else {
    section.append(appendForm(recordId));
  }
  return section;
}

async function ownerParts(section: HTMLElement, record: MedicalRecord) {
  const current = session!;
  const grants = (await ledger.listGrants(await current.signRead({ case: "listRecordGrants", value: { recordId: record.id } }), current.callOptions())).grants;
  section.append(el("h4", {}, "Who may read it"), grantsTable(record, grants), grantForm(record.id));

  const log = await ledger.getAccessLog(await current.signRead({ case: "getAccessLog", value: { recordId: record.id } }), current.callOptions());
  section.append(el("h4", {}, "Who read it"), log.records.length === 0
    ? el("p", { class: "meta" }, "No reads on the chain yet (a node logs each read and submits the log within a second).")
    : el("table", { class: "access-log" },
      el("thead", {}, el("tr", {}, el("th", {}, "when"), el("th", {}, "reader"), el("th", {}, "node"), el("th", {}, "basis"), el("th", {}, "read"))),
      el("tbody", {}, ...log.records.map((r) => el("tr", {},
        el("td", {}, time(r.entry!.readUnixMs)),
        el("td", {}, r.entry!.readerId === current.id ? "you" : r.entry!.readerId),
        el("td", {}, r.entry!.nodeId),
        el("td", {}, label(AccessBasis[r.entry!.basis]) + (r.entry!.emergencyId ? ` ${r.entry!.emergencyId}` : "")),
        el("td", {}, label(AccessKind[r.entry!.kind])))))));

  const emergencies = await ledger.listEmergencies(await current.signRead({ case: "listEmergencies", value: { scope: { case: "recordId", value: record.id } } }), current.callOptions());
  if (emergencies.emergencies.length > 0) {
    section.append(el("h4", {}, "Emergency access (break-glass)"), el("ul", { class: "emergencies" }, ...emergencies.emergencies.map((e) => {
      const em = e.emergency!;
      const state = e.open ? "open" : em.closedUnixMs !== 0n ? `closed ${time(em.closedUnixMs)}` : "lapsed";
      return el("li", {}, `${em.id}: ${em.doctorId} at ${time(em.openedUnixMs)}, "${em.reason}", ${state}; released by ${em.releasedBy.length} trustee${em.releasedBy.length === 1 ? "" : "s"} (${emergencies.threshold} needed to read); `
        + (em.reviewedBy ? `reviewed ${label(["unspecified", "justified", "escalated"][em.outcome])}: "${em.reviewNote}"` : e.overdue ? "review OVERDUE" : "review pending"));
    })));
  }
}

function grantsTable(record: MedicalRecord, grants: AccessGrant[]): HTMLElement {
  if (grants.length === 0) return el("p", { class: "meta" }, "Only you.");
  return el("table", { class: "grants" },
    el("thead", {}, el("tr", {}, el("th", {}, "grantee"), el("th", {}, "role"), el("th", {}, "permission"), el("th", {}, "granted"), el("th", {}, "expires"), el("th", {}, "state"), el("th", {}, ""))),
    el("tbody", {}, ...grants.map((g) => {
      const live = isLive(g);
      const state = g.revokedUnixMs !== 0n ? `revoked ${time(g.revokedUnixMs)}` : live ? "live" : "expired";
      let action: Child = null;
      if (g.revokedUnixMs === 0n) {
        const button = el("button", { type: "button", class: "revoke", "data-grantee": g.granteeId }, "Revoke") as HTMLButtonElement;
        button.addEventListener("click", () => act(button, async () => {
          await revoke(session!, network!, record.id, g, grants);
          await render();
          return `Revoked ${g.granteeId}; the record's key rotated, so nothing written from now on is readable by them.`;
        }));
        action = button;
      }
      return el("tr", { class: "grant", "data-grantee": g.granteeId },
        el("td", {}, g.granteeId), el("td", {}, label(ParticipantRole[g.granteeRole])), el("td", {}, label(Permission[g.permission])),
        el("td", {}, time(g.grantedUnixMs)), el("td", {}, g.expiresUnixMs === 0n ? "never" : time(g.expiresUnixMs)), el("td", { class: "state" }, state),
        el("td", {}, action));
    })));
}

function grantForm(recordId: string): HTMLElement {
  const grantee = el("input", { type: "text", class: "grant-grantee", id: `grant-grantee-${recordId}`, placeholder: "p-… (a doctor's or a laboratory's id)", "data-keep": "" }) as HTMLInputElement;
  const permission = el("select", { class: "grant-permission", id: `grant-permission-${recordId}`, "data-keep": "" },
    el("option", { value: "read-write" }, "read and write"), el("option", { value: "read" }, "read only")) as HTMLSelectElement;
  const days = el("input", { type: "number", min: "0", step: "1", class: "grant-days", id: `grant-days-${recordId}`, placeholder: "days (empty: no expiry)", "data-keep": "" }) as HTMLInputElement;
  const button = el("button", { type: "button", class: "grant-button" }, "Grant") as HTMLButtonElement;
  button.addEventListener("click", () => act(button, async () => {
    const id = grantee.value.trim();
    if (id === "") throw new Error("Enter the id of the doctor or laboratory to grant.");
    let expires = 0n;
    if (days.value.trim() !== "") {
      const count = Number(days.value);
      if (!Number.isInteger(count) || count < 1 || count > 3650) throw new Error("The expiry is a whole number of days from 1 to 3650, or empty for none.");
      expires = BigInt(Date.now() + count * 86_400_000);
    }
    await grant(session!, recordId, id, permission.value === "read" ? Permission.READ : Permission.READ_WRITE, expires);
    grantee.value = "";
    days.value = "";
    await render();
    return `Granted ${id} access to ${recordId}${expires === 0n ? "" : ` until ${time(expires)}`}.`;
  }));
  return el("div", { class: "form grant-form" }, el("label", {}, "Grant ", grantee), el("label", {}, "", permission), el("label", {}, "for ", days), button);
}

function appendForm(recordId: string): HTMLElement {
  const lab = session!.role === "laboratory";
  const kinds = lab ? [EntryKind.LAB_RESULT] : [EntryKind.CONSULTATION, EntryKind.DIAGNOSIS, EntryKind.ALLERGY, EntryKind.MEDICATION, EntryKind.PRESCRIPTION, EntryKind.MEDICAL_HISTORY, EntryKind.DANGEROUS_HABIT, EntryKind.NOTE];
  const kind = el("select", { class: "append-kind", id: `append-kind-${recordId}`, "data-keep": "" }, ...kinds.map((k) => el("option", { value: String(k) }, label(EntryKind[k])))) as HTMLSelectElement;
  const content = el("input", { type: "text", class: "append-content", id: `append-content-${recordId}`, placeholder: "the entry, encrypted in this page", "data-keep": "" }) as HTMLInputElement;
  const button = el("button", { type: "button", class: "append-button" }, "Append") as HTMLButtonElement;
  button.addEventListener("click", () => act(button, async () => {
    if (content.value.trim() === "") throw new Error("Write the entry first.");
    await append(session!, recordId, Number(kind.value) as EntryKind, content.value);
    content.value = "";
    await render();
    return `Appended to ${recordId}.`;
  }));
  return el("div", { class: "form append-form" }, el("label", {}, "Append ", kind), content, button);
}

// ---- the views ----

async function patientView(): Promise<HTMLElement> {
  const current = session!;
  const me = await getParticipant(current, current.id);
  const name = await nameOf(current, me);
  const records = (await ledger.listRecords(await current.signRead({ case: "listPatientRecords", value: { patientId: current.id } }), current.callOptions())).records;
  const sections = [];
  for (const record of records) sections.push(await recordSection(record.id, true));
  return el("div", { id: "patient" }, el("h2", {}, `${name ?? "Your records"}`), el("p", { class: "meta" }, `Patient ${current.id}`),
    records.length === 0 ? el("p", {}, "You own no records yet (create one with `ehrchain tx record create`).") : null, ...sections);
}

async function clinicianView(): Promise<HTMLElement> {
  const current = session!;
  const me = await getParticipant(current, current.id);
  const name = await nameOf(current, me);
  const patients = (await ledger.listPatients(await current.signRead({ case: "listProviderPatients", value: { providerId: current.id } }), current.callOptions())).patients;
  const blocks: HTMLElement[] = [];
  for (const patient of patients) {
    const profile = await getParticipant(current, patient.patientId);
    const patientName = await nameOf(current, profile);
    const records = (await ledger.listRecords(await current.signRead({ case: "listPatientRecords", value: { patientId: patient.patientId } }), current.callOptions())).records;
    const sections = [];
    for (const record of records) sections.push(await recordSection(record.id, false));
    blocks.push(el("section", { class: "patient", "data-patient": patient.patientId },
      el("h3", {}, patientName ?? "(name not shared)"), el("p", { class: "meta" }, `${patient.patientId} · your patient since ${time(patient.sinceUnixMs)}`), ...sections));
  }
  const recordId = el("input", { type: "text", id: "open-record-id", placeholder: "r-…", "data-keep": "" }) as HTMLInputElement;
  const button = el("button", { type: "button", id: "open-record" }, "Open") as HTMLButtonElement;
  const opened = el("div", { id: "opened-record" });
  button.addEventListener("click", () => act(button, async () => {
    const id = recordId.value.trim();
    if (id === "") throw new Error("Enter a record id.");
    // Read first, so a refusal is the node's own answer to this reader.
    await getRecord(current, id);
    opened.replaceChildren(await recordSection(id, false));
  }));
  return el("div", { id: "clinician" }, el("h2", {}, name ?? "Your patients"), el("p", { class: "meta" }, `${label(current.role)} ${current.id}`),
    patients.length === 0 ? el("p", {}, "No patient has granted you access.") : null, ...blocks,
    el("h3", {}, "Open a record by id"), el("div", { class: "form" }, recordId, button), opened);
}

function renderBlocks() {
  const list = document.getElementById("blocks");
  if (!list) return;
  list.replaceChildren(...recentBlocks.map((b) => el("tr", { class: "block" },
    el("td", {}, String(b.height)), el("td", { class: "hash" }, short(b.hash)), el("td", {}, time(b.timeUnixMs)), el("td", {}, String(b.outcomes.length)))));
}

function commitRate(): string {
  if (heights.length < 2) return "measuring…";
  const first = heights[0], last = heights[heights.length - 1];
  const seconds = (last.at - first.at) / 1000;
  return seconds <= 0 ? "measuring…" : `${(Number(last.height - first.height) / seconds).toFixed(2)} blocks/s over ${Math.round(seconds)} s`;
}

async function networkView(): Promise<HTMLElement> {
  let status: NodeStatus;
  let serving: string;
  try {
    status = await ledger.status(create(StatusRequestSchema, {}));
    const check = await health.check({ service: "" });
    serving = label(HealthCheckResponse_ServingStatus[check.status]);
  } catch (error) {
    return el("div", { id: "network" }, el("h2", {}, "Network"), el("p", { class: "refusal" }, describe(error)));
  }
  heights.push({ at: Date.now(), height: status.height });
  while (heights.length > 30) heights.shift();
  const peers = new Set(status.connectedPeers);
  const rows: [string, string][] = [
    ["node", status.nodeId], ["health", serving], ["chain", status.chainId], ["genesis", short(status.genesisHash)],
    ["height", String(status.height)], ["head hash", status.headHash], ["view", `${status.view} (epoch ${status.epoch})`], ["primary", status.primary],
    ["commit rate", commitRate()], ["mempool", String(status.mempoolSize)], ["stable checkpoint", String(status.stableCheckpoint)],
    ["validating", status.validating ? "yes" : "no (learner)"],
  ];
  if (status.epochEnd !== 0n) rows.push(["scheduled change", `after height ${status.epochEnd}: ${status.nextValidators.join(", ")}`]);
  const blocks = session
    ? el("table", { class: "blocks" }, el("thead", {}, el("tr", {}, el("th", {}, "height"), el("th", {}, "hash"), el("th", {}, "time"), el("th", {}, "transactions you may see"))), el("tbody", { id: "blocks" }))
    : el("p", { class: "meta" }, "Recent blocks are a signed read: sign in (a validator's or an auditor's key, or any participant's) to follow them. A caller without a key sees the node's status only.");
  const view = el("div", { id: "network" }, el("h2", {}, "Network"),
    el("table", { class: "status" }, el("tbody", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { "data-field": k }, v))))),
    el("h3", {}, "Validators"),
    el("ul", { class: "validators" }, ...status.validators.map((v) => el("li", {}, v,
      v === status.primary ? " (primary)" : "", v === status.nodeId ? " (this node)" : peers.has(v) ? " connected" : " not connected"))),
    el("h3", {}, "Recent blocks"), blocks);
  return view;
}

async function render() {
  const generation = ++renderGeneration;
  const app = $("app");
  // Redrawn only when who is signed in changes, so a click on Sign out never meets a replaced button.
  const who = session ? `${session.id} (${session.role})` : "";
  if ($("who").getAttribute("data-who") !== who) {
    $("who").setAttribute("data-who", who);
    $("who").replaceChildren(...(session ? [el("span", { id: "signed-in-as" }, who), signOutButton()] : []));
  }
  $("nav-records").hidden = !session || (session.role !== "patient" && session.role !== "doctor" && session.role !== "laboratory");
  $("nav-signin").hidden = session !== null;
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("current", b.getAttribute("data-view") === view));

  window.clearTimeout(statusTimer);
  let content: HTMLElement;
  try {
    if (view === "signin" || !session && view === "records") content = renderSignIn();
    else if (view === "network") content = await networkView();
    else content = session!.role === "patient" ? await patientView() : await clinicianView();
  } catch (error) {
    content = el("p", { class: "refusal" }, describe(error));
  }
  if (generation !== renderGeneration) return;
  // Keep what the user is typing across a redraw (live updates redraw the view).
  const kept = new Map<string, string>();
  app.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-keep]").forEach((input) => kept.set(input.id, input.value));
  const focused = document.activeElement?.id;
  app.replaceChildren(content);
  if (view === "network") {
    renderBlocks();
    statusTimer = window.setTimeout(() => void render(), 2000);
  }
  app.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-keep]").forEach((input) => {
    const value = kept.get(input.id);
    if (value !== undefined) input.value = value;
  });
  if (focused) document.getElementById(focused)?.focus();
  app.setAttribute("data-ready", view);
}

function signOutButton() {
  const button = el("button", { type: "button", id: "signout" }, "Sign out");
  button.addEventListener("click", () => {
    clearMessages();
    signOut();
  });
  return button;
}

for (const button of document.querySelectorAll<HTMLButtonElement>("nav button")) {
  button.addEventListener("click", () => {
    clearMessages();
    view = button.getAttribute("data-view") as typeof view;
    void render();
  });
}
// Never let a failure reach the console unexplained: show it in the page instead.
window.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  showError(describe(event.reason));
});
void render();
