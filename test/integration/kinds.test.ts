import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createContext, type AppContext } from '../../shared/app/context';
import { KindCache, putKind } from '../../shared/app/kinds';
import { runStaleCheck } from '../../shared/app/stale-check';
import { createThread } from '../../shared/app/threads';
import { KindConflictError } from '../../shared/domain/errors';
import type { KindDefinition } from '../../shared/domain/kinds';
import { addHours, nowUtc } from '../../shared/domain/time';
import { KindStore, KindVersionConflict } from '../../shared/store/kind-store';
import { threadKey } from '../../shared/store/keys';
import { freshContext, relayed } from '../support/context';
import { RecordingPublisher } from '../support/recording-publisher';

const admin = { name: 'admin', role: 'admin' as const };
const editor = { principal: { name: 'desk', role: 'editor' as const } };
/** `statuses('open', 'done!')`: a `!` marks a terminal status. */
const statuses = (...names: string[]) =>
  names.map((n) => ({ name: n.replace('!', ''), terminal: n.endsWith('!') }));

describe('the kind cache', () => {
  let ctx: AppContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  /** Another function instance's view of the same table: its own cache, on a clock the test moves. */
  function otherInstance(ttlMs = 30_000) {
    const clock = { now: 1_000_000 };
    const store = new KindStore(ctx.db, ctx.config.tableName);
    const loads: number[] = [];
    const cache = new KindCache(
      async () => {
        loads.push(clock.now);
        return (await store.list(true)).map((k) => k.definition);
      },
      ttlMs,
      () => clock.now,
    );
    return { cache, clock, loads };
  }

  it('sees a changed terminal flag only when its TTL runs out, then at once', async () => {
    // Prepare
    await putKind(ctx, 'talks', { label: 'Talks', statuses: statuses('open', 'closed') }, admin);
    const other = otherInstance();
    expect((await other.cache.registry()).isTerminal('talks', 'closed')).toBe(false);
    // Act: an admin (through another instance) makes `closed` terminal
    await putKind(ctx, 'talks', { label: 'Talks', statuses: statuses('open', 'closed!') }, admin);
    other.clock.now += 29_999;
    const within = await other.cache.registry();
    other.clock.now += 1;
    const after = await other.cache.registry();
    // Assess
    expect(within.isTerminal('talks', 'closed')).toBe(false);
    expect(after.isTerminal('talks', 'closed')).toBe(true);
    expect(other.loads).toHaveLength(2);
  });

  it('sees a new kind or status at once: a miss reloads, at most once a second', async () => {
    // Prepare
    const other = otherInstance();
    await other.cache.registry();
    await putKind(ctx, 'truce_talks', { label: 'Truce talks', statuses: statuses('open') }, admin);
    // Act
    const first = await other.cache.knowing((r) => r.has('truce_talks'));
    const unknown1 = await other.cache.knowing((r) => r.has('nothing'));
    const unknown2 = await other.cache.knowing((r) => r.has('nothing'));
    other.clock.now += 1000;
    const unknown3 = await other.cache.knowing((r) => r.has('nothing'));
    // Assess
    expect(first.has('truce_talks')).toBe(true);
    expect(unknown1.has('nothing') || unknown2.has('nothing') || unknown3.has('nothing')).toBe(false);
    // The initial load, the miss for truce_talks, none for the two misses within the second, one after it.
    expect(other.loads).toHaveLength(3);
  });

  it('counts a change in the process that made it at once, without reading again', async () => {
    // Prepare
    const registryBefore = await ctx.kinds.registry();
    expect(registryBefore.has('fresh')).toBe(false);
    // Act
    await putKind(ctx, 'fresh', { label: 'Fresh', statuses: statuses('open', 'done!') }, admin);
    // Assess: the TTL has not run out, yet the registry knows it
    const registry = await ctx.kinds.registry();
    expect(registry.isTerminal('fresh', 'done')).toBe(true);
  });

  it('answers about a built-in kind without reading the custom kinds, and reads them for a custom one', async () => {
    // Prepare
    await putKind(ctx, 'talks', { label: 'Talks', statuses: statuses('open', 'closed!') }, admin);
    const other = otherInstance();
    // Act
    const builtIn = await other.cache.registryFor('ceasefire');
    const builtInKnowing = await other.cache.knowingFor('ceasefire', (r) =>
      r.isStatusOf('ceasefire', 'nope'),
    );
    const loadsForBuiltIn = other.loads.length;
    const custom = await other.cache.registryFor('talks');
    // Assess
    expect(loadsForBuiltIn).toBe(0);
    expect(builtIn.isTerminal('ceasefire', 'collapsed')).toBe(true);
    expect(builtInKnowing.isStatusOf('ceasefire', 'nope')).toBe(false);
    expect(custom.isTerminal('talks', 'closed')).toBe(true);
    expect(other.loads).toHaveLength(1);
  });
});

describe('PUT under concurrent changes', () => {
  let ctx: AppContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it('conditions each write on the version read: a stale version is refused', async () => {
    // Prepare
    const def: KindDefinition = { kind: 'k', label: 'K', builtIn: false, statuses: statuses('a') };
    await ctx.kindStore.put(def, null, nowUtc(), 'one');
    // Act / Assess
    await expect(ctx.kindStore.put(def, null, nowUtc(), 'two')).rejects.toBeInstanceOf(KindVersionConflict);
    await ctx.kindStore.put({ ...def, label: 'K2' }, 1, nowUtc(), 'one');
    await expect(ctx.kindStore.put({ ...def, label: 'K3' }, 1, nowUtc(), 'two')).rejects.toBeInstanceOf(
      KindVersionConflict,
    );
    expect(await ctx.kindStore.get('k')).toMatchObject({ version: 2, definition: { label: 'K2' } });
  });

  it('re-reads after losing a race, so a status another admin just added is never dropped (409)', async () => {
    // Prepare: another admin's change lands between this PUT's read and its write
    await putKind(ctx, 'race', { label: 'Race', statuses: statuses('a') }, admin);
    const store = ctx.kindStore;
    let interfered = false;
    const racing = Object.create(store) as KindStore;
    racing.get = async (kind) => {
      const read = await store.get(kind);
      if (!interfered) {
        interfered = true;
        await store.put(
          { ...read!.definition, statuses: statuses('a', 'b') },
          read!.version,
          nowUtc(),
          'other-admin',
        );
      }
      return read;
    };
    // Act
    const attempt = putKind(
      { kindStore: racing, kinds: ctx.kinds },
      'race',
      { label: 'Race', statuses: statuses('a', 'c') },
      admin,
    );
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(KindConflictError);
    expect((await store.get('race'))!.definition.statuses.map((s) => s.name)).toEqual(['a', 'b']);
  });
});

describe('the stale check and custom kinds', () => {
  it('does not flag a thread whose status became terminal after its last write, and stops watching it', async () => {
    // Prepare
    const bus = new RecordingPublisher();
    const ctx = await freshContext({}, { publisher: bus });
    await putKind(ctx, 'accord', { label: 'Accord', statuses: statuses('drafted', 'signed') }, admin);
    await createThread(
      ctx,
      {
        id: 'signed-accord',
        scenario: 'kinds',
        kind: 'accord',
        title: 'A',
        status: 'signed',
        summary: 's',
        staleAfterHours: 1,
      },
      editor,
    );
    await createThread(
      ctx,
      {
        id: 'draft-accord',
        scenario: 'kinds',
        kind: 'accord',
        title: 'B',
        status: 'drafted',
        summary: 's',
        staleAfterHours: 1,
      },
      editor,
    );
    const raw = async (id: string) =>
      (await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: threadKey(id) }))).Item!;
    expect((await raw('signed-accord')).GSI3PK).toBeDefined();
    // The stale check runs in its own function instance: it reads the kinds afresh.
    await putKind(ctx, 'accord', { label: 'Accord', statuses: statuses('drafted', 'signed!') }, admin);
    const checker = createContext(ctx.config, { db: ctx.db, publisher: bus });
    // Act
    const result = await runStaleCheck(checker, addHours(nowUtc(), 2));
    await relayed(ctx);
    // Assess
    expect(result.flagged).toEqual(['draft-accord']);
    expect(await ctx.threads.getThread('signed-accord')).toMatchObject({ stale: false, version: 1 });
    expect((await raw('signed-accord')).GSI3PK).toBeUndefined();
    expect(bus.of('ThreadStale').map((e) => e.threadId)).toEqual(['draft-accord']);
  });

  it('leaves a thread written in a custom terminal status out of the due index', async () => {
    // Prepare
    const ctx = await freshContext();
    await putKind(ctx, 'accord', { label: 'Accord', statuses: statuses('drafted', 'signed!') }, admin);
    // Act
    await createThread(
      ctx,
      {
        id: 'done',
        scenario: 'kinds',
        kind: 'accord',
        title: 'A',
        status: 'signed',
        summary: 's',
        staleAfterHours: 1,
      },
      editor,
    );
    const result = await runStaleCheck(ctx, addHours(nowUtc(), 2), { dryRun: true });
    // Assess
    expect(result).toMatchObject({ flagged: [], itemsRead: 0 });
  });
});
