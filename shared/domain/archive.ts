import './zod-setup';
import * as z from 'zod/mini';
import { ValidationError } from './errors';
import { SLUG, ULID } from './limits';
import { newScenarioId } from './schema-basics';
import { parseWith } from './schema-basics';
import { PRECISIONS } from './time';
import type { CalendarState } from './calendar';
import type { ChangeRecord } from './changes';
import type { Draft, Expected, Revision, Scenario, Update } from './types';

/**
 * The scenario archive (contract 1.2, "Export, import and the data package"): NDJSON, one record a
 * line, each naming its kind in `record`. What it holds is what cannot be derived: the scenario's and
 * its threads' own fields, every update as stored (its retraction included), every stored wording,
 * every criteria text, the drafts, and the scenario's changes feed. What the projection derives from
 * the updates (status, summary, times, claims, corroboration) and the counts are left out: an import
 * computes them with the same code a write uses. docs/data-desk.md, "The archive", describes it.
 */
export const ARCHIVE_FORMAT = 'scenario-tracker/archive';
/** Raised when a record changes meaning; an import refuses versions it does not know. */
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_TYPE = 'application/x-ndjson; charset=utf-8';

export interface ArchiveHeader {
  record: 'archive';
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  scenario: string;
}

/** The scenario's own fields; its counts are derived from its threads. */
export type ScenarioRecord = { record: 'scenario' } & Pick<
  Scenario,
  'id' | 'title' | 'description' | 'tags' | 'keywords' | 'public' | 'createdAt' | 'updatedAt' | 'version'
>;

/** A thread's settings and flags as stored, and its calendar state: everything but what its updates decide. */
export interface ThreadRecord {
  record: 'thread';
  id: string;
  kind: string;
  title: string;
  staleAfterHours: number;
  stale: boolean;
  staleSince: string | null;
  overdue: boolean;
  overdueSince: string | null;
  expected: Expected | null;
  parent: string | null;
  archived: boolean;
  keywords: string[];
  criteria: string | null;
  calendar: CalendarState | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type UpdateRecord = { record: 'update' } & Update;
export type RevisionRecord = { record: 'revision'; threadId: string; updateId: string } & Revision;
/** One criteria text, keyed by the thread version its write made (the item's key). */
export interface CriteriaRecord {
  record: 'criteria';
  threadId: string;
  version: number;
  text: string | null;
  recordedAt: string;
  recordedBy: string;
}
/** A draft, waiting or published (then with what it became, when and by whom). */
export type DraftRecord = { record: 'draft' } & Omit<Draft, 'draft' | 'claimedBy'> & {
    claimedBy: string | null;
    published: { as: string; at: string; by: string } | null;
  };
/** One carrier of the scenario's changes feed: its id (the outbox item's sort key) and its changes. */
export interface ChangeCarrierRecord {
  record: 'changes';
  id: string;
  changes: ChangeRecord[];
}

export type ArchiveRecord =
  | ArchiveHeader
  | ScenarioRecord
  | ThreadRecord
  | UpdateRecord
  | RevisionRecord
  | CriteriaRecord
  | DraftRecord
  | ChangeCarrierRecord;

// ---- Reading an archive back: each line checked against its record's shape ----

/**
 * Stored times are always this form (the write path normalises every time it takes), so an archive
 * holds nothing else and an import writes back the very strings: `2026-12-07T10:00:00.000Z`.
 */
const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const storedTime = z
  .string()
  .check(z.regex(STORED_TIME, 'must be a stored UTC time (YYYY-MM-DDTHH:mm:ss.sssZ)'));
const slug = z.string().check(z.regex(SLUG, 'must be a slug'));
const ulid = z.string().check(z.regex(ULID, 'must be a ULID'));
const str = z.string();
const precision = z.enum(PRECISIONS);
const source = z.strictObject({
  url: str,
  title: z.optional(str),
  publisher: z.optional(str),
  publishedAt: z.optional(str),
});
const quote = z.strictObject({ speaker: str, text: str });
const expected = z.strictObject({ what: str, at: storedTime, precision });
const count = z.int().check(z.minimum(0));

const HeaderSchema = z.strictObject({
  record: z.literal('archive'),
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  // Imported under this id: never a reserved one (GET could not read it back).
  scenario: newScenarioId,
});

const SCHEMAS = {
  scenario: z.strictObject({
    record: z.literal('scenario'),
    id: slug,
    title: str,
    description: str,
    tags: z.array(str),
    keywords: z.array(str),
    public: z.boolean(),
    createdAt: storedTime,
    updatedAt: storedTime,
    version: count,
  }),
  thread: z.strictObject({
    record: z.literal('thread'),
    id: slug,
    kind: str,
    title: str,
    staleAfterHours: z.number().check(z.positive()),
    stale: z.boolean(),
    staleSince: z.nullable(storedTime),
    overdue: z.boolean(),
    overdueSince: z.nullable(storedTime),
    expected: z.nullable(expected),
    parent: z.nullable(slug),
    archived: z.boolean(),
    keywords: z.array(str),
    criteria: z.nullable(str),
    calendar: z.nullable(
      z.strictObject({
        sequence: count,
        changedAt: storedTime,
        cancelled: z.nullable(
          z.strictObject({ what: str, at: storedTime, precision, clearedAt: storedTime }),
        ),
        previousAt: z.optional(storedTime),
      }),
    ),
    createdAt: storedTime,
    updatedAt: storedTime,
    version: count,
  }),
  update: z.strictObject({
    record: z.literal('update'),
    id: ulid,
    threadId: slug,
    status: z.nullable(str),
    summary: str,
    occurredAt: storedTime,
    occurredPrecision: precision,
    recordedAt: storedTime,
    postedBy: str,
    sources: z.array(source),
    quotes: z.array(quote),
    retracted: z.boolean(),
    retraction: z.nullable(z.strictObject({ reason: str, retractedAt: storedTime, retractedBy: str })),
    revisedAt: z.nullable(storedTime),
    revisedBy: z.nullable(str),
    revisionCount: count,
    key: z.boolean(),
    claimedBy: z.nullable(str),
    publishedBy: z.optional(str),
    draftId: z.optional(ulid),
    inboxItem: z.optional(str),
  }),
  revision: z.strictObject({
    record: z.literal('revision'),
    threadId: slug,
    updateId: ulid,
    revision: count,
    summary: str,
    sources: z.array(source),
    quotes: z.array(quote),
    recordedAt: storedTime,
    recordedBy: str,
  }),
  criteria: z.strictObject({
    record: z.literal('criteria'),
    threadId: slug,
    version: count,
    text: z.nullable(str),
    recordedAt: storedTime,
    recordedBy: str,
  }),
  draft: z.strictObject({
    record: z.literal('draft'),
    id: ulid,
    threadId: slug,
    scenario: slug,
    status: z.nullable(str),
    summary: str,
    occurredAt: storedTime,
    occurredPrecision: precision,
    recordedAt: storedTime,
    recordedBy: str,
    sources: z.array(source),
    quotes: z.array(quote),
    claimedBy: z.nullable(str),
    // A draft accepted from the news inbox names its item (contract 1.2).
    inboxItem: z.optional(str),
    published: z.nullable(z.strictObject({ as: ulid, at: storedTime, by: str })),
  }),
  changes: z.strictObject({
    record: z.literal('changes'),
    // A carrier's id is an event id (a ULID); a move's echo adds `#from`.
    id: z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}(#from)?$/, 'must be a ULID, or a ULID and #from')),
    // The feed's records as the write path stored them: kept as they are (the feed answers them as stored).
    changes: z
      .array(z.looseObject({ threadId: slug, scenario: slug, type: str, at: storedTime }))
      .check(z.minLength(1)),
  }),
} as const;

export type BodyRecord = Exclude<ArchiveRecord, ArchiveHeader>;

/** A line's problem, named by its number (1 the first), so a client finds it in a file of thousands. */
const lineError = (line: number, detail: string): ValidationError =>
  new ValidationError(`Line ${line}: ${detail}`, [{ path: `line ${line}`, message: detail }]);

/**
 * The archive's lines, parsed and checked one by one (a blank last line is allowed: NDJSON ends each
 * line with `\n`). The first must be the header of a version this code reads. 400 naming the line
 * for a line that is not JSON, not a known record, or not of its record's shape.
 */
export function parseArchive(text: string): {
  header: ArchiveHeader;
  records: { line: number; record: BodyRecord }[];
} {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw lineError(1, 'the archive is empty; its first line is the header.');
  const records: { line: number; record: BodyRecord }[] = [];
  let header: ArchiveHeader | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw lineError(line, `not valid JSON (${(error as Error).message}).`);
    }
    const kind =
      typeof value === 'object' && value !== null ? (value as { record?: unknown }).record : undefined;
    if (line === 1) {
      if (kind !== 'archive')
        throw lineError(line, `the first line must be the archive's header ({"record":"archive",…}).`);
      header = parseWith(HeaderSchema, value, `Line 1 (the header)`) as ArchiveHeader;
      return;
    }
    if (typeof kind !== 'string' || !(kind in SCHEMAS))
      throw lineError(line, `"record" must be one of ${Object.keys(SCHEMAS).join(', ')}.`);
    const schema = SCHEMAS[kind as keyof typeof SCHEMAS];
    records.push({ line, record: parseWith(schema, value, `Line ${line} (${kind})`) as BodyRecord });
  });
  return { header: header!, records };
}

export { lineError };
