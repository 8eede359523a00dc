import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  type ChangeCarrierRecord,
  type CriteriaRecord,
  type DraftRecord,
  type RevisionRecord,
  type ScenarioRecord,
  type ThreadRecord,
  type UpdateRecord,
} from '../domain/archive';
import type { CalendarState } from '../domain/calendar';
import type { ChangeRecord } from '../domain/changes';
import { NotFoundError } from '../domain/errors';
import type { Scenario, Thread } from '../domain/types';
import { toDraft, toRevision, toThread, toUpdate } from '../store/items';
import {
  CRITERIA_PREFIX,
  DRAFT_PREFIX,
  PUBLISHED_AS,
  REVISION_PREFIX,
  THREAD_SK,
  UPDATE_PREFIX,
} from '../store/keys';
import { CALENDAR_ATTRIBUTE } from '../store/thread-store';
import type { ThreadPage } from '../store/thread-store';
import type { AppContext } from './context';

/**
 * The scenario archive and its import (contract 1.2, "Export, import and the data package"; the
 * format: shared/domain/archive.ts and docs/data-desk.md, "The archive"; the items an import writes:
 * docs/data-model.md, "Importing a scenario").
 */

export type ArchiveReads = Pick<AppContext, 'scenarios' | 'threads' | 'archives'>;

const THREAD_PAGE = 100;

// ---- Out: the archive ----

/** A record as one line: the keys in the order the record was built in, so equal data is equal bytes. */
const line = (record: object): string => `${JSON.stringify(record)}\n`;

/** The Scenario's own fields, in the contract's order (its counts are derived, so not archived). */
const scenarioRecord = (s: Scenario): ScenarioRecord => ({
  record: 'scenario',
  id: s.id,
  title: s.title,
  description: s.description,
  tags: s.tags,
  keywords: s.keywords,
  public: s.public,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  version: s.version,
});

/** DynamoDB gives nested maps back in no particular order: the calendar state in a fixed one. */
const calendarOf = (raw: unknown): CalendarState | null => {
  if (!raw) return null;
  const c = raw as CalendarState;
  return {
    sequence: Number(c.sequence),
    changedAt: c.changedAt,
    cancelled: c.cancelled
      ? {
          what: c.cancelled.what,
          at: c.cancelled.at,
          precision: c.cancelled.precision,
          clearedAt: c.cancelled.clearedAt,
        }
      : null,
    ...(c.previousAt !== undefined ? { previousAt: c.previousAt } : {}),
  };
};

const threadRecord = (t: Thread, calendar: CalendarState | null): ThreadRecord => ({
  record: 'thread',
  id: t.id,
  kind: t.kind,
  title: t.title,
  staleAfterHours: t.staleAfterHours,
  stale: t.stale,
  staleSince: t.staleSince,
  overdue: t.overdue,
  overdueSince: t.overdueSince,
  expected: t.expected,
  parent: t.parent,
  archived: t.archived,
  keywords: t.keywords,
  criteria: t.criteria,
  calendar,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  version: t.version,
});

/** The change records' fields in the order the feed's type lists them; any other after, by name. */
const CHANGE_FIELDS = [
  'type',
  'at',
  'by',
  'scenario',
  'threadId',
  'updateId',
  'status',
  'previousStatus',
  'occurredAt',
  'previousScenario',
  'fields',
] as const satisfies readonly (keyof ChangeRecord)[];

const changeInOrder = (raw: unknown): ChangeRecord => {
  const c = raw as Record<string, unknown>;
  const known: readonly string[] = CHANGE_FIELDS;
  const keys = [
    ...CHANGE_FIELDS.filter((f) => c[f] !== undefined),
    ...Object.keys(c)
      .filter((k) => !known.includes(k))
      .sort(),
  ];
  return Object.fromEntries(keys.map((k) => [k, c[k]])) as unknown as ChangeRecord;
};

/** A thread's partition as archive records: the thread, each update with its wordings, its criteria, its drafts. */
function threadRecords(items: readonly Record<string, unknown>[]): object[] {
  let thread: ThreadRecord | undefined;
  const updates: UpdateRecord[] = [];
  const revisions = new Map<string, RevisionRecord[]>();
  const criteria: CriteriaRecord[] = [];
  const drafts: DraftRecord[] = [];
  for (const item of items) {
    const sk = String(item.SK);
    if (sk === THREAD_SK) thread = threadRecord(toThread(item), calendarOf(item[CALENDAR_ATTRIBUTE]));
    else if (sk.startsWith(UPDATE_PREFIX)) updates.push({ record: 'update', ...toUpdate(item) });
    else if (sk.startsWith(REVISION_PREFIX)) {
      const updateId = sk.slice(REVISION_PREFIX.length).split('#')[0]!;
      const revision: RevisionRecord = {
        record: 'revision',
        threadId: String(item.PK).slice('THREAD#'.length),
        updateId,
        ...toRevision(item),
      };
      revisions.set(updateId, [...(revisions.get(updateId) ?? []), revision]);
    } else if (sk.startsWith(CRITERIA_PREFIX))
      criteria.push({
        record: 'criteria',
        threadId: String(item.PK).slice('THREAD#'.length),
        version: Number(sk.slice(CRITERIA_PREFIX.length)),
        text: (item.text as string | null | undefined) ?? null,
        recordedAt: String(item.recordedAt),
        recordedBy: String(item.recordedBy),
      });
    else if (sk.startsWith(DRAFT_PREFIX)) {
      const { draft: _draft, claimedBy, ...rest } = toDraft(item);
      drafts.push({
        record: 'draft',
        ...rest,
        claimedBy: claimedBy ?? null,
        published:
          typeof item[PUBLISHED_AS] === 'string'
            ? { as: item[PUBLISHED_AS], at: String(item.publishedAt), by: String(item.publishedBy) }
            : null,
      });
    }
  }
  if (!thread) return [];
  return [thread, ...updates.flatMap((u) => [u, ...(revisions.get(u.id) ?? [])]), ...criteria, ...drafts];
}

async function* archiveLines(
  ctx: ArchiveReads,
  scenario: Scenario,
  first: ThreadPage,
): AsyncGenerator<string> {
  const header: ArchiveHeader = {
    record: 'archive',
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    scenario: scenario.id,
  };
  yield line(header);
  yield line(scenarioRecord(scenario));
  let page = first;
  for (;;) {
    for (const thread of page.items)
      for (const record of threadRecords(await ctx.archives.partition(thread.id))) yield line(record);
    if (page.next === undefined) break;
    page = await ctx.threads.listThreads({ scenario: scenario.id, archived: 'any' }, THREAD_PAGE, page.next);
  }
  for await (const carriers of ctx.archives.carriers(scenario.id))
    for (const c of carriers) {
      const record: ChangeCarrierRecord = {
        record: 'changes',
        id: c.id,
        changes: c.changes.map(changeInOrder),
      };
      yield line(record);
    }
}

/**
 * The archive of a scenario, ready to stream: 404 (before any byte is sent) when there is no
 * scenario item. Holds one page of threads and one thread's partition at a time. Threads by id
 * (archived ones too), each thread's items in a fixed order, the feed's carriers by id: the same
 * data gives the same bytes.
 */
export async function openArchive(ctx: ArchiveReads, id: string): Promise<AsyncIterable<string>> {
  const [found, first] = await Promise.all([
    ctx.scenarios.get(id, true),
    ctx.threads.listThreads({ scenario: id, archived: 'any' }, THREAD_PAGE),
  ]);
  if (!found) throw new NotFoundError(`No scenario ${id}.`);
  return archiveLines(ctx, found.scenario, first);
}

export const archiveDisposition = (scenario: string): string =>
  `attachment; filename="${scenario}.archive.ndjson"`;
