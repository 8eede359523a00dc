import '../zod-setup';
import * as z from 'zod/mini';
import { PRECISIONS } from '../time';
import { CHANGE_TYPES } from '../changes';
import { QuoteOut, SourceOut, nullableString } from './fields';

/**
 * The answers of the thread and scenario routes, for the OpenAPI document and the tests (handlers
 * build them from the domain types).
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

/** One text the criteria had, as `GET /threads/{id}/criteria` lists it. */
export const CriteriaRevisionSchema = z.object({
  revision: z.int(),
  text: z.nullable(z.string()),
  recordedAt: z.string(),
  recordedBy: z.string(),
});

export const RevisionSchema = z.object({
  revision: z.int(),
  summary: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  recordedAt: z.string(),
  recordedBy: z.string(),
});

export const TimelineItemSchema = z.object({
  threadId: z.string(),
  updateId: z.string(),
  /** null only for a key event that is a note (`key=true`). */
  status: z.nullable(z.string()),
  previousStatus: z.nullable(z.string()),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  summary: z.string(),
  key: z.boolean(),
});

export const ChangeItemSchema = z.object({
  type: z.enum(CHANGE_TYPES),
  at: z.string(),
  by: z.nullable(z.string()),
  scenario: z.string(),
  threadId: z.string(),
  updateId: z.optional(z.string()),
  status: z.optional(z.nullable(z.string())),
  previousStatus: z.optional(z.nullable(z.string())),
  occurredAt: z.optional(z.string()),
  previousScenario: z.optional(z.string()),
  fields: z.optional(z.array(z.string())),
  cursor: z.string(),
});

export const SearchItemSchema = z.object({
  type: z.enum(['thread', 'update']),
  scenario: z.string(),
  threadId: z.string(),
  updateId: z.optional(z.string()),
  snippet: z.string(),
  score: z.number(),
  retracted: z.optional(z.boolean()),
  draft: z.optional(z.boolean()),
});

export const ThreadSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.string(),
  statusSince: z.string(),
  statusSincePrecision: z.enum(PRECISIONS),
  summary: z.string(),
  lastOccurredAt: z.string(),
  lastOccurredPrecision: z.enum(PRECISIONS),
  lastRecordedAt: z.string(),
  updateCount: z.int(),
  version: z.int(),
  staleAfterHours: z.int(),
  stale: z.boolean(),
  staleSince: nullableString,
  overdue: z.boolean(),
  overdueSince: nullableString,
  expected: z.nullable(z.object({ what: z.string(), at: z.string(), precision: z.enum(PRECISIONS) })),
  parent: nullableString,
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  keywords: z.array(z.string()),
  criteria: nullableString,
  asOf: z.optional(z.string()),
  knownAt: z.optional(z.string()),
  // Contract 1.2: claims by party and corroboration.
  claims: z.array(
    z.object({
      party: z.string(),
      status: z.string(),
      since: z.string(),
      sincePrecision: z.enum(PRECISIONS),
      updateId: z.string(),
    }),
  ),
  disputed: z.boolean(),
  corroboration: z.object({ outlets: z.array(z.string()), count: z.int() }),
});

export const UpdateSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  status: nullableString,
  summary: z.string(),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  recordedAt: z.string(),
  postedBy: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  retracted: z.boolean(),
  retraction: z.nullable(z.object({ reason: z.string(), retractedAt: z.string(), retractedBy: z.string() })),
  revisedAt: nullableString,
  revisedBy: nullableString,
  revisionCount: z.int(),
  key: z.boolean(),
  claimedBy: nullableString,
  // A published draft only (contract 1.2 "Drafts"): who published it, and the draft it came from.
  publishedBy: z.optional(z.string()),
  draftId: z.optional(z.string()),
  /** Contract 1.2: the inbox item an update was accepted from; absent otherwise. */
  inboxItem: z.optional(z.string()),
});

// ---- Drafts (contract 1.2 "Drafts"): responses ----

/** A draft: what a post would be, held back; `recordedBy` drafted it. */
export const DraftSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  scenario: z.string(),
  draft: z.literal(true),
  status: nullableString,
  summary: z.string(),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  recordedAt: z.string(),
  recordedBy: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  claimedBy: z.optional(nullableString),
  inboxItem: z.optional(z.string()),
});

export const ScenarioSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  keywords: z.array(z.string()),
  public: z.boolean(),
  threadCount: z.int(),
  statusCounts: z.record(z.string(), z.int()),
  staleCount: z.int(),
  overdueCount: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});
