import { Readable } from 'node:stream';
import { NotFoundError } from '../domain/errors';
import type { Precision } from '../domain/time';
import type { Thread } from '../domain/types';
import type { ThreadPage } from '../store/thread-store';
import type { AppContext } from './context';

/** One row of the export (contract 1.2 "Export, import and the data package"): one update. */
export interface ExportRecord {
  scenario: string;
  thread_id: string;
  thread_title: string;
  kind: string;
  update_id: string;
  status: string | null;
  claimed_by: string | null;
  occurred_at: string;
  occurred_precision: Precision;
  recorded_at: string;
  recorded_by: string;
  summary: string;
  /** The sources' URLs, separated by one space (a URL holds no space). */
  sources: string;
  retracted: boolean;
  retracted_at: string | null;
  key: boolean;
}

/** The columns, in the contract's order: the CSV header, the NDJSON keys, the Table Schema's fields. */
export const EXPORT_FIELDS = [
  'scenario',
  'thread_id',
  'thread_title',
  'kind',
  'update_id',
  'status',
  'claimed_by',
  'occurred_at',
  'occurred_precision',
  'recorded_at',
  'recorded_by',
  'summary',
  'sources',
  'retracted',
  'retracted_at',
  'key',
] as const satisfies readonly (keyof ExportRecord)[];

export type ExportFormat = 'csv' | 'ndjson';

export const EXPORT_TYPES: Readonly<Record<ExportFormat, string>> = {
  // RFC 4180 §3 registers `header`: the first line names the columns.
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Threads listed per page, and updates read per Query: what the export holds at most at once. */
const THREAD_PAGE = 100;
const UPDATE_PAGE = 100;

type ExportReads = Pick<AppContext, 'threads' | 'feeds'>;

/**
 * The scenario's threads, by id, archived ones included (a data desk wants the whole record), one
 * list page at a time. The first page is passed in: the handler reads it before answering, to say
 * 404 while it still can.
 */
async function* threadsOf(ctx: ExportReads, scenario: string, first: ThreadPage): AsyncGenerator<Thread> {
  let page = first;
  for (;;) {
    yield* page.items;
    if (page.next === undefined) return;
    page = await ctx.threads.listThreads({ scenario, archived: 'any' }, THREAD_PAGE, page.next);
  }
}

async function* recordsOf(
  ctx: ExportReads,
  scenario: string,
  first: ThreadPage,
): AsyncGenerator<ExportRecord> {
  for await (const thread of threadsOf(ctx, scenario, first)) {
    for await (const page of ctx.threads.updatesInOccurredOrder(thread.id, UPDATE_PAGE)) {
      for (const update of page)
        yield {
          scenario,
          thread_id: thread.id,
          thread_title: thread.title,
          kind: thread.kind,
          update_id: update.id,
          status: update.status,
          claimed_by: update.claimedBy ?? null,
          occurred_at: update.occurredAt,
          occurred_precision: update.occurredPrecision,
          recorded_at: update.recordedAt,
          recorded_by: update.postedBy,
          summary: update.summary,
          sources: update.sources.map((s) => s.url).join(' '),
          retracted: update.retracted,
          retracted_at: update.retraction?.retractedAt ?? null,
          key: update.key,
        };
    }
  }
}

async function* ndjsonOf(records: AsyncIterable<ExportRecord>): AsyncGenerator<string> {
  for await (const r of records) yield `${JSON.stringify(r, EXPORT_FIELDS as unknown as string[])}\n`;
}

/**
 * CSV per RFC 4180 through csv-stringify: a header row, CRLF after every record, fields quoted
 * when they hold a comma, quote or line break; empty for null; booleans as `true`/`false` (what a
 * Table Schema boolean reads by default). Piped, so the stringifier pulls records only as fast as
 * the response is written (back-pressure end to end).
 */
async function* csvOf(records: AsyncIterable<ExportRecord>): AsyncGenerator<string | Buffer> {
  // Set up on the first read: an export nobody reads (a HEAD) costs no query.
  const { stringify } = await import('csv-stringify');
  const stringifier = stringify({
    header: true,
    columns: [...EXPORT_FIELDS],
    record_delimiter: 'windows',
    cast: { boolean: (value) => (value ? 'true' : 'false') },
  });
  const source = Readable.from(records);
  // A failed read mid-stream fails the output, so the answer is cut short rather than ending cleanly.
  source.on('error', (error) => stringifier.destroy(error));
  try {
    yield* source.pipe(stringifier) as AsyncIterable<Buffer>;
  } finally {
    source.destroy();
  }
}

/**
 * The export of a scenario, ready to stream: 404 (before any byte is sent) when the scenario has
 * no item and no thread, as the scenario's feed answers. What it holds at once is a page of
 * threads and a page of one thread's updates, whatever the scenario's size.
 */
export async function openExport(
  ctx: ExportReads,
  scenario: string,
  format: ExportFormat,
): Promise<AsyncIterable<string | Buffer>> {
  const [info, first] = await Promise.all([
    ctx.feeds.scenario(scenario),
    ctx.threads.listThreads({ scenario, archived: 'any' }, THREAD_PAGE),
  ]);
  if (!info && first.items.length === 0) throw new NotFoundError(`No scenario ${scenario}.`);
  const records = recordsOf(ctx, scenario, first);
  return format === 'csv' ? csvOf(records) : ndjsonOf(records);
}

/** `attachment; filename=…`: the scenario id is a slug, so the name needs no quoting rules beyond quotes. */
export const exportDisposition = (scenario: string, format: ExportFormat): string =>
  `attachment; filename="${scenario}.${format === 'csv' ? 'csv' : 'ndjson'}"`;
