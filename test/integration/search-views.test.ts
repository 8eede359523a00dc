import { SearchViews, REFRESH_MS } from '../../shared/app/search-views';
import { settleMs } from '../../shared/app/changes';
import { createThread, patchThread, postUpdate } from '../../shared/app/threads';
import { searchPage } from '../../shared/app/search';
import { SearchSource } from '../../shared/store/search-source';
import type { AppContext } from '../../shared/app/context';
import { freshContext } from '../support/context';

/**
 * The search views (shared/app/search-views.ts) over DynamoDB Local: read whole on first use, then
 * only the writes since, no sooner than REFRESH_MS after the last catch-up (a clock the test moves).
 */

const editor = { principal: { name: 'desk', role: 'editor' as const } };

let ctx: AppContext;
beforeAll(async () => {
  ctx = await freshContext({}, {}, { stream: false });
  await createThread(
    ctx,
    {
      id: 'kyiv',
      scenario: 'views-a',
      kind: 'other',
      title: 'Kyiv talks',
      status: 'proposed',
      summary: 'Talks.',
    },
    editor,
  );
  await createThread(
    ctx,
    {
      id: 'riga',
      scenario: 'views-b',
      kind: 'other',
      title: 'Riga talks',
      status: 'proposed',
      summary: 'Talks.',
    },
    editor,
  );
});

/** Views over the context's table, on a clock the test moves, and the calls they make. */
function views(options: { catchUpMax?: number } = {}) {
  let now = Date.now();
  const source = new SearchSource(ctx.db, ctx.config.tableName);
  const calls = {
    scenarioThreads: jest.spyOn(source, 'scenarioThreads'),
    writesSince: jest.spyOn(source.changes, 'writesSince'),
    items: jest.spyOn(source, 'items'),
  };
  const v = new SearchViews(source, settleMs(ctx.config), () => now, options.catchUpMax);
  const found = async (q: string, scenario?: string) =>
    (await searchPage({ search: v }, { q, scenario, drafts: false }, 20)).items.map(
      (i) => `${i.threadId}/${i.updateId ?? ''}`,
    );
  return { v, calls, found, advance: (ms: number) => (now += ms) };
}

describe('the search views', () => {
  it('read a scenario whole once for searches made at once, then nothing within the refresh interval', async () => {
    // Prepare
    const { calls, found } = views();
    // Act: two searches at once, then a third.
    const [a, b] = await Promise.all([found('kyiv', 'views-a'), found('kyiv talks', 'views-a')]);
    const c = await found('kyiv', 'views-a');
    // Assess: one read of the scenario's threads, no catch-up yet.
    expect(a).toEqual(['kyiv/']);
    expect(b).toEqual(['kyiv/']);
    expect(c).toEqual(['kyiv/']);
    expect(calls.scenarioThreads).toHaveBeenCalledTimes(1);
    expect(calls.writesSince).not.toHaveBeenCalled();
  });

  it('find a write once the refresh interval has passed, reading the writes since and the items they name', async () => {
    // Prepare: views read, then an update.
    const { calls, found, advance } = views();
    await found('kyiv', 'views-a');
    const posted = await postUpdate(ctx, 'kyiv', { status: null, summary: 'Envoys met in Vilnius.' }, editor);
    const updateId = posted.update!.id;
    // Act
    const before = await found('vilnius', 'views-a');
    advance(REFRESH_MS);
    const after = await found('vilnius', 'views-a');
    // Assess: found after the interval; the catch-up read the carriers and one batch of items.
    expect(before).toEqual([]);
    expect(after.sort()).toEqual(['kyiv/', `kyiv/${updateId}`]);
    expect(calls.writesSince).toHaveBeenCalledTimes(1);
    // (The thread's creation is inside the settle window the first catch-up reads again, so its
    // updates are read with it: one Query of its partition beside one BatchGetItem.)
    expect(calls.items).toHaveBeenCalledTimes(1);
    expect(calls.items.mock.calls[0]![0]).toEqual(['kyiv']);
    expect(calls.scenarioThreads).toHaveBeenCalledTimes(1);
  });

  it('follow a thread to another scenario across scenarios, and out of the one it left', async () => {
    // Prepare: both scopes read.
    const { found, advance } = views();
    await createThread(
      ctx,
      {
        id: 'tallinn',
        scenario: 'views-a',
        kind: 'other',
        title: 'Tallinn round',
        status: 'proposed',
        summary: 'S.',
      },
      editor,
    );
    expect(await found('tallinn', 'views-a')).toEqual(['tallinn/']);
    expect(await found('tallinn')).toEqual(['tallinn/']);
    // Act
    await patchThread(ctx, 'tallinn', { scenario: 'views-b' }, editor);
    advance(REFRESH_MS);
    // Assess
    const inA = await found('tallinn', 'views-a');
    const everywhere = await found('tallinn');
    const inB = await found('tallinn', 'views-b');
    expect(inA).toEqual([]);
    expect(everywhere).toEqual(['tallinn/']);
    expect(inB).toEqual(['tallinn/']);
  });

  it('read a view whole again when more writes than a catch-up takes happened since', async () => {
    // Prepare: a catch-up takes at most 2 carriers here.
    const { calls, found, advance } = views({ catchUpMax: 2 });
    await found('riga', 'views-b');
    for (let i = 0; i < 3; i++)
      await postUpdate(ctx, 'riga', { status: null, summary: `Round ${i} in Jurmala.` }, editor);
    advance(REFRESH_MS);
    // Act
    const after = await found('jurmala', 'views-b');
    // Assess: every update found, the scenario read whole a second time, no items read by key.
    expect(after).toHaveLength(4);
    expect(calls.scenarioThreads).toHaveBeenCalledTimes(2);
    expect(calls.items).not.toHaveBeenCalled();
  });
});
