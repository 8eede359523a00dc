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
}
