import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../../shared/app/context';
import { recountScenario, sweepScenarioCounts } from '../../shared/app/scenarios';
import { createThread, patchThread } from '../../shared/app/threads';
import { json } from '../../shared/http/response';
import { listingKey, scenarioKey } from '../../shared/store/keys';
import { freshContext } from '../support/context';
import { recordCalls } from '../support/read-recorder';

let ctx: AppContext;
const principal = { name: 'test', role: 'editor' as const };
const create = (id: string, scenario: string, status = 'proposed') =>
  createThread(ctx, { id, scenario, kind: 'summit', title: id, status, summary: 's' }, { principal }).then(
    () => json(201, {}),
  );
/** Flags as the recount reads them: on the thread's listing item (what its list indexes hold). */
const setFlags = (id: string, flags: Record<string, boolean>) =>
  ctx.db.send(
    new UpdateCommand({
      TableName: ctx.config.tableName,
      Key: listingKey(id),
      UpdateExpression: `SET ${Object.keys(flags)
        .map((k) => `#${k} = :${k}`)
        .join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(Object.keys(flags).map((k) => [`#${k}`, k])),
      ExpressionAttributeValues: Object.fromEntries(Object.entries(flags).map(([k, v]) => [`:${k}`, v])),
    }),
  );

beforeAll(async () => {
  ctx = await freshContext({}, {}, { stream: false });
  for (const [id, status] of [
    ['a1', 'proposed'],
    ['a2', 'announced'],
    ['a3', 'proposed'],
  ] as const)
    await create(id, 'alpha', status);
  for (let i = 0; i < 6; i++) await create(`b${i}`, 'beta');
});

describe('recountScenario', () => {
  it("reads only the scenario's own threads, through the scenario index, and no table Scan", async () => {
    // Prepare
    const recorder = recordCalls(ctx.db);
    // Act
    const result = await recountScenario(ctx, 'alpha');
    const calls = recorder.take();
    recorder.detach();
    // Assess
    expect(result).toMatchObject({
      outcome: 'changed',
      counts: { threadCount: 3, statusCounts: { announced: 1, proposed: 2 } },
      threadsRead: 3,
    });
    const queries = calls.filter((c) => c.command === 'Query');
    expect(queries).toEqual([expect.objectContaining({ index: 'GSI1', itemsRead: 3 })]);
    expect(calls.map((c) => c.command).sort()).toEqual(['GetItem', 'Query', 'UpdateItem']);
  });

  it('bumps version only when the counts changed', async () => {
    const before = (await ctx.scenarios.get('alpha', true))!;
    const again = await recountScenario(ctx, 'alpha');
    const after = (await ctx.scenarios.get('alpha', true))!;
    expect(again.outcome).toBe('unchanged');
    expect(after.scenario.version).toBe(before.scenario.version);
    expect(after.countedAt! >= before.countedAt!).toBe(true);
  });

  it('leaves out archived threads and counts overdue ones (flags that later sections set)', async () => {
    // Prepare
    await setFlags('a1', { archived: true });
    await setFlags('a3', { overdue: true, stale: true });
    // Act
    const result = await recountScenario(ctx, 'alpha');
    // Assess
    expect(result.counts).toEqual({
      threadCount: 2,
      statusCounts: { announced: 1, proposed: 1 },
      staleCount: 1,
      overdueCount: 1,
    });
    expect((await ctx.scenarios.get('alpha'))!.scenario).toMatchObject({
      threadCount: 2,
      overdueCount: 1,
      staleCount: 1,
    });
  });

  it('creates a missing scenario item when the scenario has threads, and nothing for an empty one', async () => {
    // Prepare
    await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tableName, Key: scenarioKey('beta') }));
    // Act
    const healed = await recountScenario(ctx, 'beta');
    const empty = await recountScenario(ctx, 'no-threads-here');
    // Assess
    expect(healed).toMatchObject({ outcome: 'changed', counts: { threadCount: 6 } });
    expect((await ctx.scenarios.get('beta'))!.scenario).toMatchObject({ title: 'beta', threadCount: 6 });
    expect(empty.outcome).toBe('absent');
    expect(await ctx.scenarios.get('no-threads-here')).toBeNull();
  });

  it('never lets a recount that started earlier overwrite one that started later', async () => {
    // Prepare
    const record = (await ctx.scenarios.get('beta', true))!;
    // Act
    const late = await ctx.scenarios.saveCounts({
      id: 'beta',
      expectedVersion: record.scenario.version,
      countedAt: '2000-01-01T00:00:00.000Z',
      now: '2000-01-01T00:00:00.000Z',
      counts: { threadCount: 99, statusCounts: {}, staleCount: 0, overdueCount: 0 },
    });
    // Assess
    expect(late).toBe(false);
    expect((await ctx.scenarios.get('beta'))!.scenario.threadCount).toBe(6);
  });
});

describe('sweepScenarioCounts', () => {
  it('recounts a scenario whose last thread change is not clearly older than its counts, and skips settled ones', async () => {
    // Prepare: settle both, then one scenario's counts fall behind (as if its recount request was lost)
    const old = '2001-01-01T00:00:00.000Z';
    for (const id of ['alpha', 'beta']) {
      const r = (await ctx.scenarios.get(id, true))!;
      await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.config.tableName,
          Key: scenarioKey(id),
          UpdateExpression: 'SET countedAt = :t',
          ExpressionAttributeValues: { ':t': id === 'alpha' ? old : '9999-01-01T00:00:00.000Z' },
        }),
      );
      expect(r).not.toBeNull();
    }
    await create('a4', 'alpha', 'held');
    // Act
    const recounted = await sweepScenarioCounts(ctx);
    // Assess
    expect(recounted).toEqual(['alpha']);
    expect((await ctx.scenarios.get('alpha'))!.scenario.statusCounts).toEqual({
      announced: 1,
      held: 1,
      proposed: 1,
    });
  });
});

describe('sweepScenarioCounts and archived threads', () => {
  it('sees an archiving whose recount request was lost (the thread left the live scope)', async () => {
    // Prepare: a context whose recount requests are all lost
    const lossy: AppContext = {
      ...ctx,
      recounts: { request: async () => undefined, flush: async () => undefined },
    };
    await createThread(
      lossy,
      { id: 'd1', scenario: 'delta', kind: 'summit', title: 'd1', status: 'proposed', summary: 's' },
      { principal },
    ).then(() => json(201, {}));
    await recountScenario(lossy, 'delta');
    await patchThread(lossy, 'd1', { archived: true }, { principal }).then(() => json(200, {}));
    // Act
    const recounted = await sweepScenarioCounts(lossy);
    // Assess
    expect(recounted).toContain('delta');
    expect((await lossy.scenarios.get('delta'))!.scenario).toMatchObject({
      threadCount: 0,
      statusCounts: {},
    });
  });
});

describe('the recount function (cloud)', () => {
  it('recounts each scenario of a queued batch once and drops malformed requests', async () => {
    // Prepare
    const { handlerFor } = await import('../../functions/scenario-recount');
    const handler = handlerFor(() => ctx);
    await create('g1', 'gamma', 'announced');
    const message = (id: string, body: string) => ({ messageId: id, body }) as never;
    const request = (scenario: string) =>
      JSON.stringify({
        source: 'scenario-tracker.internal',
        'detail-type': 'ScenarioRecountRequested',
        detail: { scenario, time: nowIso() },
      });
    // Act
    const result = await handler({
      Records: [
        message('m1', request('gamma')),
        message('m2', request('gamma')),
        message('m3', 'not json'),
        message('m4', request('Bad Id')),
      ],
    });
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await ctx.scenarios.get('gamma'))!.scenario).toMatchObject({
      threadCount: 1,
      statusCounts: { announced: 1 },
    });
  });
});

const nowIso = () => new Date().toISOString();
