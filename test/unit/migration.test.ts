import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateFacts } from '../../shared/domain/projection';
import { migrateOther, migrateThread, threadNeedsHistory } from '../../local/migration';

/** The migration's per-item decisions, as pure functions of the items of test/fixtures/v1-table.json. */

type Item = Record<string, any>;
const FIXTURE: Item[] = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'v1-table.json'), 'utf8'));
const threadOf = (id: string) => FIXTURE.find((i) => i.PK === `THREAD#${id}` && i.SK === '#THREAD')!;
const updatesOf = (id: string): UpdateFacts[] =>
  FIXTURE.filter((i) => i.PK === `THREAD#${id}` && String(i.SK).startsWith('UPDATE#')) as UpdateFacts[];

describe('migrateThread', () => {
  it('gives an old thread item its fold and a listing item with the sharded keys and the filter keys, and keeps every Thread field', () => {
    // Prepare
    const old = threadOf('black-sea');
    // Act
    const change = migrateThread(old, updatesOf('black-sea'));
    // Assess: stale, so in both stale indexes and not in the due index
    expect(change).toMatchObject({ kind: 'thread', expectedVersion: 2, withFold: true });
    const item = change!.item;
    // The list keys on its listing item (issue 25), none left on the thread item.
    const listing = change!.listing!;
    expect(listing).toMatchObject({
      PK: 'THREAD#black-sea',
      SK: '#THREAD#LIST',
      status: 'proposed',
      stale: true,
      GSI1PK: 'SCENARIO#black-sea-talks',
      GSI2PK: expect.stringMatching(/^THREADS#[0-7]$/),
      GSI6PK: 'SCENARIO#black-sea-talks#STALE',
    });
    // No scenario-status key: a scenario's `status=` is a filter on GSI1; over all threads, GSI5.
    expect(listing.GSI4PK).toBeUndefined();
    expect(listing.GSI5PK).toBe(`${String(listing.GSI2PK)}#STATUS#proposed`);
    for (const key of ['GSI1PK', 'GSI2PK', 'GSI4PK', 'GSI5PK', 'GSI6PK', 'GSI7PK'])
      expect(item[key]).toBeUndefined();
    // No key of the update time (issue 25); the changes feed's carrier of its last write instead.
    expect(item.USK).toBeUndefined();
    expect(change!.carrier).toMatchObject({
      GSI12PK: 'CHANGES#black-sea-talks',
      changes: [{ type: 'touched', threadId: 'black-sea', at: old.updatedAt, by: null }],
    });
    expect(migrateThread(old, updatesOf('black-sea'))!.carrier).toEqual(change!.carrier);
    expect(listing.GSI7PK).toBe(`${listing.GSI2PK}#STALE`);
    expect(item.GSI3PK).toBeUndefined();
    for (const field of [
      'title',
      'status',
      'statusSince',
      'summary',
      'version',
      'updatedAt',
      'stale',
      'staleSince',
    ])
      expect(item[field]).toEqual(old[field]);
  });

  it('leaves a thread item alone for its queue mark (contended writers: thread-store.ts Turn)', () => {
    // Prepare
    const migrated = migrateThread(threadOf('prisoner-exchange'), updatesOf('prisoner-exchange'))!.item;
    const marked = { ...migrated, queueUntil: 1_765_000_000_000 };
    // Act and assess
    expect(threadNeedsHistory(marked)).toBe(false);
    expect(migrateThread(marked, updatesOf('prisoner-exchange'))).toBeNull();
  });

  it('returns null for the item it produced: a second pass changes nothing', () => {
    // Prepare
    const migrated = migrateThread(threadOf('prisoner-exchange'), updatesOf('prisoner-exchange'))!.item;
    // Act and assess
    expect(threadNeedsHistory(migrated)).toBe(false);
    expect(migrateThread(migrated, updatesOf('prisoner-exchange'))).toBeNull();
  });

  it('stores no fold when the item disagrees with its history, so the next write folds it whole', () => {
    // Prepare: a count the history does not give
    const odd = { ...threadOf('sanctions'), updateCount: 7 };
    // Act
    const change = migrateThread(odd, updatesOf('sanctions'));
    // Assess
    expect(change).toMatchObject({ kind: 'thread', withFold: false });
    expect(change!.item.fold).toBeUndefined();
    expect(change!.listing!.GSI1PK).toBe('SCENARIO#russia-ukraine-talks');
  });
});

describe('migrateOther', () => {
  it('takes the status keys off a listing item that still has them (the previous main wrote them), and leaves one without alone', () => {
    // Prepare: a listing item as 902e4e6's listingItem wrote it, and one as today's does
    const migrated = migrateThread(threadOf('sanctions'), updatesOf('sanctions'))!.listing!;
    const older = {
      ...migrated,
      GSI4PK: `${String(migrated.GSI1PK)}#STATUS#${String(migrated.status)}`,
      GSI5PK: `${String(migrated.GSI2PK)}#STATUS#${String(migrated.status)}`,
    };
    // Act and assess
    expect(migrateOther(older)).toEqual({
      kind: 'trim-listing',
      key: { PK: 'THREAD#sanctions', SK: '#THREAD#LIST' },
    });
    expect(migrateOther(migrated)).toBeNull();
  });

  it('moves the outbox event to its thread’s shard with its lease', () => {
    // Prepare
    const old = FIXTURE.find((i) => i.PK === 'OUTBOX')!;
    // Act
    const change = migrateOther(old);
    // Assess
    expect(change).toMatchObject({
      kind: 'move-outbox',
      from: { PK: 'OUTBOX', SK: old.SK },
      item: { SK: old.SK, event: old.event, leaseUntil: 0 },
    });
    expect(change!.kind === 'move-outbox' && change!.item.PK).toMatch(/^OUTBOX#[0-7]$/);
  });

  it('deletes the change counters and the completed idempotency records that hold a whole response', () => {
    for (const item of FIXTURE.filter((i) => i.PK === 'CHANGES'))
      expect(migrateOther(item)).toEqual({ kind: 'delete-counter', key: { PK: 'CHANGES', SK: item.SK } });
    for (const item of FIXTURE.filter((i) => String(i.PK).startsWith('IDEMPOTENCY#')))
      expect(migrateOther(item)).toMatchObject({ kind: 'delete-idempotency' });
  });

  it('deletes the retired search index: postings, document records and the backfill checkpoint', () => {
    // Prepare: items as the search indexer and its backfill wrote them.
    const retired = [
      { PK: 'SEARCH#budapest', SK: '0420#black-sea-talks#t1#', d: true },
      { PK: 'SEARCH#budapest#black-sea-talks', SK: '0420#t1#' },
      { PK: 'SEARCHDOC#t1', SK: '#THREAD', doc: { scenario: 'black-sea-talks', terms: {} } },
      { PK: 'SEARCHDOC#', SK: '#BACKFILL', checkpoint: { format: 2, done: true } },
    ];
    // Act / Assess
    for (const item of retired)
      expect(migrateOther(item)).toEqual({ kind: 'delete-search', key: { PK: item.PK, SK: item.SK } });
    expect(migrateOther({ PK: 'SCENARIO#search', SK: '#SCENARIO' })).toBeNull();
  });

  it('leaves updates, tokens, lean idempotency records, claims in progress and moved outbox items alone', () => {
    // Prepare
    const kept = [
      ...FIXTURE.filter((i) => String(i.SK).startsWith('UPDATE#') || String(i.PK).startsWith('TOKEN')),
      {
        PK: 'IDEMPOTENCY#ab',
        SK: '#IDEMPOTENCY',
        state: 'completed',
        bodyHash: 'h',
        thread: { id: 't' },
        expiresAt: 1,
      },
      {
        PK: 'IDEMPOTENCY#cd',
        SK: '#IDEMPOTENCY',
        state: 'in_progress',
        claimId: 'c',
        bodyHash: 'h',
        lockExpiresAt: 1,
        expiresAt: 1,
      },
      { PK: 'OUTBOX#3', SK: '01ABC', event: { id: '01ABC', threadId: 't' }, leaseUntil: 0 },
    ];
    // Act and assess
    for (const item of kept) expect(migrateOther(item)).toBeNull();
  });
});
