import {
  lineError,
  parseArchive,
  type ArchiveHeader,
  type BodyRecord,
  type ChangeCarrierRecord,
  type CriteriaRecord,
  type DraftRecord,
  type RevisionRecord,
  type ScenarioRecord,
  type ThreadRecord,
  type UpdateRecord,
} from '../domain/archive';
import { ScenarioExistsError, ThreadExistsError } from '../domain/errors';
import { outletsOf } from '../domain/outlets';
import { cursorOf, foldAll, stateOf } from '../domain/projection';
import { countThreads } from '../domain/scenario-counts';
import { nowUtc } from '../domain/time';
import type { Scenario, StoredUpdate, Thread, Update } from '../domain/types';
import { ScenarioTaken, ThreadTaken } from '../store/archive-store';
import { criteriaItem, draftItem, listingItem, revisionItem, scenarioItem, updateItem } from '../store/items';
import { PUBLISHED_AS } from '../store/keys';
import { restoredCarrier } from '../store/outbox-store';
import { storedThreadItem } from '../store/thread-store';
import type { AppContext } from './context';

import type { ArchiveReads } from './archive';

/**
 * The import of a scenario archive (contract 1.2, "Export, import and the data package"; the format:
 * shared/domain/archive.ts and docs/data-desk.md, "The archive"; the items an import writes:
 * docs/data-model.md, "Importing a scenario"). Apart from the export (archive.ts): an import records
 * each update's outlets with the Public Suffix List, which the export (in the feeds function) never loads.
 */

export type ArchiveWrites = ArchiveReads & Pick<AppContext, 'kinds'>;

/** Thread items an import puts at once (each a conditional PutItem). */
const THREAD_WRITERS = 4;

/** One thread of an archive, with everything of its partition. */
interface ThreadBundle {
  line: number;
  record: ThreadRecord;
  updates: { line: number; record: UpdateRecord }[];
  revisions: RevisionRecord[];
  criteria: CriteriaRecord[];
  drafts: DraftRecord[];
}

/** What an import wrote. */
export interface ImportResult {
  scenario: Scenario;
  imported: {
    threads: number;
    updates: number;
    revisions: number;
    criteria: number;
    drafts: number;
    changes: number;
  };
}

/** The records grouped by thread, with the references between them checked (400 naming the line). */
function bundle(header: ArchiveHeader, records: { line: number; record: BodyRecord }[]) {
  let scenario: ScenarioRecord | undefined;
  const threads = new Map<string, ThreadBundle>();
  const changes: ChangeCarrierRecord[] = [];
  const changeIds = new Set<string>();
  const of = (threadId: string, at: number): ThreadBundle => {
    const found = threads.get(threadId);
    if (!found) throw lineError(at, `thread ${threadId} has no thread record before this line.`);
    return found;
  };
  for (const { line, record } of records) {
    switch (record.record) {
      case 'scenario':
        if (line !== 2) throw lineError(line, 'the scenario record is the second line, and there is one.');
        if (record.id !== header.scenario)
          throw lineError(line, `the scenario is ${record.id}, the header says ${header.scenario}.`);
        scenario = record;
        break;
      case 'thread':
        if (threads.has(record.id)) throw lineError(line, `thread ${record.id} appears twice.`);
        threads.set(record.id, { line, record, updates: [], revisions: [], criteria: [], drafts: [] });
        break;
      case 'update': {
        const t = of(record.threadId, line);
        if (t.updates.some((u) => u.record.id === record.id))
          throw lineError(line, `update ${record.id} appears twice.`);
        t.updates.push({ line, record });
        break;
      }
      case 'revision': {
        const t = of(record.threadId, line);
        if (!t.updates.some((u) => u.record.id === record.updateId))
          throw lineError(
            line,
            `revision of update ${record.updateId}, which has no update record before this line.`,
          );
        t.revisions.push(record);
        break;
      }
      case 'criteria':
        of(record.threadId, line).criteria.push(record);
        break;
      case 'draft':
        of(record.threadId, line).drafts.push(record);
        break;
      case 'changes':
        if (changeIds.has(record.id)) throw lineError(line, `changes ${record.id} appear twice.`);
        changeIds.add(record.id);
        changes.push(record);
        break;
    }
  }
  if (!scenario) throw lineError(2, 'the second line must be the scenario record.');
  for (const t of threads.values()) {
    const parent = t.record.parent;
    if (parent !== null && (!threads.has(parent) || threads.get(parent)!.record.parent !== null))
      throw lineError(t.line, `parent ${parent} must be a thread of this archive that has no parent itself.`);
  }
  return { scenario, threads, changes };
}

/** An archived update as its item stores it: its outlets recorded on import, as a write records them. */
const stored = (u: Update): StoredUpdate => ({ ...u, outlets: outletsOf(u) });

const withoutRecord = <T extends { record: string }>(r: T): Omit<T, 'record'> => {
  const { record: _record, ...rest } = r;
  return rest;
};

/**
 * Recreate an archived scenario with the same ids, times and authors (contract 1.2). 409
 * `scenario_exists` when the tracker has the scenario (its item, or threads of it that no unfinished
 * import wrote), 409 `thread_exists` when a thread id is taken by another scenario, 400 naming the
 * line for a record that is malformed or refers to nothing.
 *
 * The derived state is computed by the code a write uses: each thread's status, summary, times,
 * claims and corroboration by the one fold over its updates (`foldAll`, the fold a write resumes),
 * its item by `storedThreadItem` (index keys, cursor, count of children, calendar), the scenario's
 * counts by `countThreads`; the search index follows from the table's stream as for any write.
 *
 * Order, so that nothing half-done is a scenario: the mark (`IMPORT#<id>`) first; then per thread its
 * item and its partition; then the feed's carriers; last, in one transaction, the scenario item and
 * the mark's removal. Until that lands the scenario is 404 and not listed, and a retry of the same
 * archive (or a corrected one) carries on over what an interrupted import left, writing the same
 * items again. Nothing is published: no event, webhook or live message (docs/data-desk.md).
 */
export async function importArchive(ctx: ArchiveWrites, body: string): Promise<ImportResult> {
  const { header, records } = parseArchive(body);
  const { scenario, threads, changes } = bundle(header, records);
  const kinds = await ctx.kinds.registry();
  const prepared = [...threads.values()].map((t) => {
    if (!kinds.has(t.record.kind))
      throw lineError(
        t.line,
        `kind ${t.record.kind} is not defined in this tracker (PUT /kinds/${t.record.kind} first).`,
      );
    const updates = t.updates.map((u) => stored(withoutRecord(u.record) as Update));
    // A stored update is the projection's input as it is (UpdateFacts: its recorded outlets included).
    const fold = foldAll(updates);
    const state = stateOf(fold);
    if (!state)
      throw lineError(t.line, `thread ${t.record.id} has no live update with a status: no status to import.`);
    const { record: _r, calendar, ...settings } = t.record;
    const thread: Thread = { ...settings, scenario: scenario.id, ...state };
    return { bundle: t, thread, cursor: cursorOf(fold), calendar, updates };
  });

  const id = scenario.id;
  if (await ctx.scenarios.get(id, true))
    throw new ScenarioExistsError(`Scenario ${id} exists in this tracker.`);
  const resuming = await ctx.archives.importUnderWay(id);
  if (!resuming) {
    const listed = await ctx.threads.listThreads({ scenario: id, archived: 'any' }, 1);
    if (listed.items.length > 0)
      throw new ScenarioExistsError(
        `Scenario ${id} has threads in this tracker (${listed.items[0]!.id}, …).`,
      );
  }
  const taken = [...(await ctx.archives.threadScenarios([...threads.keys()])).entries()].filter(
    ([, s]) => s !== id || !resuming,
  );
  if (taken.length > 0)
    throw new ThreadExistsError(
      `Thread ids of the archive exist in this tracker: ${taken.map(([t, s]) => `${t} (scenario ${s})`).join(', ')}.`,
    );

  await ctx.archives.markImport(id, nowUtc());
  // Children counted as the children's own writes count them: one per thread naming it as parent.
  const children = new Map<string, number>();
  for (const p of prepared)
    if (p.thread.parent !== null) children.set(p.thread.parent, (children.get(p.thread.parent) ?? 0) + 1);
  // Every thread item before any update of it: a thread's view is complete from its first write.
  const items = prepared.map((p) =>
    storedThreadItem(
      {
        thread: p.thread,
        cursor: p.cursor,
        children: children.get(p.thread.id) ?? null,
        calendar: p.calendar,
      },
      kinds,
    ),
  );
  for (let i = 0; i < items.length; i += THREAD_WRITERS) {
    try {
      await Promise.all(items.slice(i, i + THREAD_WRITERS).map((item) => ctx.archives.putThread(item, id)));
    } catch (error) {
      if (error instanceof ThreadTaken)
        throw new ThreadExistsError(`Thread ${error.threadId} was created in another scenario meanwhile.`);
      throw error;
    }
  }
  await ctx.archives.putAll(
    prepared.flatMap(({ thread, updates, bundle: t }) => [
      // Its listing item lists the thread (GET /threads, boards): what a write would put with it.
      listingItem(thread),
      ...updates.map((u) => updateItem(u)),
      // Each wording with its own outlets (an accepted item's copies still count as its one outlet).
      ...t.revisions.map((r) =>
        revisionItem(r.threadId, r.updateId, {
          ...withoutRecord(r),
          outlets: outletsOf({
            sources: r.sources,
            inboxItem: updates.find((u) => u.id === r.updateId)?.inboxItem ?? null,
          }),
        }),
      ),
      ...t.criteria.map((c) => criteriaItem(c.threadId, c.version, c)),
      ...t.drafts.map(draftItemOf),
    ]),
  );
  const counted = {
    updates: prepared.reduce((n, p) => n + p.updates.length, 0),
    revisions: prepared.reduce((n, p) => n + p.bundle.revisions.length, 0),
    criteria: prepared.reduce((n, p) => n + p.bundle.criteria.length, 0),
    drafts: prepared.reduce((n, p) => n + p.bundle.drafts.length, 0),
  };
  await ctx.archives.putAll(changes.map((c) => restoredCarrier(c.id, c.changes, id)));

  const now = nowUtc();
  const restored: Scenario = {
    ...withoutRecord(scenario),
    ...countThreads(prepared.map((p) => p.thread)),
  };
  try {
    await ctx.archives.finish(scenarioItem(restored, now), id);
  } catch (error) {
    if (error instanceof ScenarioTaken)
      throw new ScenarioExistsError(`Scenario ${id} was created meanwhile.`);
    throw error;
  }
  return { scenario: restored, imported: { threads: prepared.length, ...counted, changes: changes.length } };
}

/** A draft's item: waiting, in its scenario's queue; published, the marker a publish leaves (no queue keys). */
function draftItemOf(d: DraftRecord): Record<string, unknown> {
  const { record: _r, published, claimedBy, ...rest } = d;
  const item = draftItem({ ...rest, draft: true, claimedBy });
  if (!published) return item;
  const { GSI1PK: _pk, GSI1SK: _sk, ...marker } = item;
  return { ...marker, [PUBLISHED_AS]: published.as, publishedAt: published.at, publishedBy: published.by };
}
