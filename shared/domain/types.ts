import type { Precision } from './time';

export interface Source {
  url: string;
  title?: string;
  publisher?: string;
  publishedAt?: string;
}

export interface Quote {
  speaker: string;
  text: string;
}

export interface Retraction {
  reason: string;
  retractedAt: string;
  retractedBy: string;
}

export interface Update {
  id: string;
  threadId: string;
  status: string | null;
  summary: string;
  occurredAt: string;
  /** How precisely `occurredAt` is known; a period is stored as its start. */
  occurredPrecision: Precision;
  recordedAt: string;
  postedBy: string;
  sources: Source[];
  quotes: Quote[];
  retracted: boolean;
  retraction: Retraction | null;
  /** When and by whom the wording (summary, sources, quotes) was last amended; null until then. */
  revisedAt: string | null;
  revisedBy: string | null;
  /** How many amendments the wording has had: 0 until amended (revision 0 is the original). */
  revisionCount: number;
  /** A key event of the story (contract 1.2 "Key events"): set and cleared with an amendment; false by default. */
  key: boolean;
  /**
   * The party whose claim this update reports (contract 1.2), or null: the newsroom's own update.
   * Always present on what the store returns (items.ts#toUpdate); optional for writers of older shapes.
   */
  claimedBy?: string | null;
  /** A published draft only: who published it (postedBy is who drafted it), and the draft's id. */
  publishedBy?: string;
  draftId?: string;
  /** The news inbox item it was accepted from (contract 1.2); absent on updates posted otherwise. */
  inboxItem?: string;
}

/**
 * An update held back for a second editor (contract 1.2 "Drafts"): stored apart from the thread's
 * updates, so no fold, list, feed or event ever sees it until it is published (which posts it anew).
 */
export interface Draft {
  id: string;
  threadId: string;
  /** The thread's scenario when it was drafted: the scenario's drafts queue lists it there. */
  scenario: string;
  draft: true;
  status: string | null;
  summary: string;
  occurredAt: string;
  occurredPrecision: Precision;
  recordedAt: string;
  recordedBy: string;
  sources: Source[];
  quotes: Quote[];
  /** A drafted claim (contract 1.2 "Claims by party"): the party, or null for the newsroom's own. */
  claimedBy?: string | null;
  /**
   * The news inbox item accepted as this draft (contract 1.2: "accepting an inbox item may create a
   * draft"); the update it is published as carries it. Absent on drafts posted otherwise.
   */
  inboxItem?: string;
}

/** One wording of an update: revision 0 is the original, each amendment adds the next. */
export interface Revision {
  revision: number;
  summary: string;
  sources: Source[];
  quotes: Quote[];
  recordedAt: string;
  recordedBy: string;
}

/**
 * What an update item stores beside the contract's Update (and a revision item beside its Revision):
 * the distinct outlets its sources name, derived once when the wording is recorded
 * (domain/outlets.ts#outletsOf), so the projection — and every reader folding history — needs no
 * Public Suffix List (docs/benchmarks.md, cold start). null: an item written before outlets were
 * stored, until `npm run migrate` fills it. Never part of a response, event or archive: the Update
 * and Revision objects those carry are built from the contract's fields only.
 */
export interface RecordedOutlets {
  outlets: string[] | null;
}

/** An update as its item stores it: the contract's Update and its recorded outlets. */
export type StoredUpdate = Update & RecordedOutlets;

/** A revision as its item stores it: one wording and its recorded outlets. */
export type StoredRevision = Revision & RecordedOutlets;

/** The fields of a thread that the projection derives from its updates. */
export interface ThreadState {
  status: string;
  statusSince: string;
  statusSincePrecision: Precision;
  summary: string;
  lastOccurredAt: string;
  lastOccurredPrecision: Precision;
  lastRecordedAt: string;
  updateCount: number;
  /*
   * Contract 1.2. The projection always sets them and the store always returns them (items.ts#toThread
   * reads absent ones as none); optional so that older shapes of a thread still type.
   */
  /** Each party's latest live claim, by party (contract 1.2 "Claims by party"). */
  claims?: Claim[];
  /** Two parties' claims differ, or a claim differs from `status`. */
  disputed?: boolean;
  /** The distinct outlets the current status rests on (contract 1.2 "Corroboration"). */
  corroboration?: Corroboration;
}

/** One party's claim: the status it says the thread has, since when, and the update that reported it. */
export interface Claim {
  party: string;
  status: string;
  since: string;
  sincePrecision: Precision;
  updateId: string;
}

export interface Corroboration {
  outlets: string[];
  count: number;
}

/** What a thread waits for: something expected to happen by `at` (the start of its period). */
export interface Expected {
  what: string;
  at: string;
  precision: Precision;
}

export interface Thread extends ThreadState {
  id: string;
  scenario: string;
  /** A built-in or custom kind (domain/kinds.ts): checked against the registry on write. */
  kind: string;
  title: string;
  version: number;
  staleAfterHours: number;
  stale: boolean;
  staleSince: string | null;
  /** Set by the scheduled check when `expected` did not happen by the end of its period. */
  overdue: boolean;
  overdueSince: string | null;
  expected: Expected | null;
  /** A thread of the same scenario that has no parent itself, or null. */
  parent: string | null;
  /** Archived threads are out of default lists and never flagged stale or overdue. */
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  /** Contract 1.2: words a news item about this thread would use (matching, search); `[]` by default. */
  keywords: string[];
  /** Contract 1.2: what each status means for this thread and which sources count; null until set. */
  criteria: string | null;
}

/** One text the criteria of a thread had (contract 1.2 "Criteria and clarifications"): revision 1 is the first. */
export interface CriteriaRevision {
  revision: number;
  /** null: the criteria were cleared. */
  text: string | null;
  recordedAt: string;
  recordedBy: string;
}

/** What a scenario's counts are computed from: a thread's status and flags (absent flags are false). */
export interface CountedThread {
  status: string;
  stale?: boolean;
  overdue?: boolean;
  archived?: boolean;
}

/** A scenario's counts over its non-archived threads (contract 1.1 "Scenarios"). */
export interface ScenarioCounts {
  threadCount: number;
  statusCounts: Record<string, number>;
  staleCount: number;
  overdueCount: number;
}

export interface Scenario extends ScenarioCounts {
  id: string;
  title: string;
  description: string;
  tags: string[];
  /** Contract 1.2: words a news item about this scenario would use; `[]` by default. */
  keywords: string[];
  /** Published without a token (contract 1.2, "Public scenarios and embeds"); false until an editor says so. */
  public: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type Role = 'reader' | 'editor' | 'admin';

export const ROLES: readonly Role[] = ['reader', 'editor', 'admin'];

/** Roles are ordered: each includes the ones before it. */
export const roleIncludes = (held: Role, needed: Role): boolean =>
  ROLES.indexOf(held) >= ROLES.indexOf(needed);

export interface Principal {
  name: string;
  role: Role;
  /**
   * Which token this is: its SHA-256 hash, as the token store keys it. Names can be reused after a
   * revocation, so whatever must belong to one token (idempotency records) is scoped by this. Set on
   * every principal that came from a bearer token; internal callers (seed, CLIs) have none.
   */
  subject?: string;
  /** The token may publish its own drafts (contract 1.2 "Drafts"); absent: it may not. */
  selfPublish?: boolean;
}
