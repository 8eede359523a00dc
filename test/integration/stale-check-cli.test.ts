import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { createSubscription } from '../../shared/app/subscriptions';
import { readConfig } from '../../shared/config';
import { withLocalKeyrings } from '../../local/local-secrets';
import { startReceiver } from '../support/receiver';
import { createThread } from '../../shared/app/threads';
import { runStaleCheck } from '../../shared/app/stale-check';
import { addHours, nowUtc } from '../../shared/domain/time';
import { INDEX, KINDS_PK, threadKey } from '../../shared/store/keys';
import { main } from '../../local/stale-check-cli';
import type { AppContext } from '../../shared/app/context';
import { freshContext, relayed } from '../support/context';

const quietThread = (ctx: AppContext, id = 'quiet') =>
  createThread(
    ctx,
    {
      id,
      scenario: 'cli',
      kind: 'other',
      title: 'Quiet',
      status: 'active',
      summary: 's',
      staleAfterHours: 2,
    },
    { principal: { name: 't', role: 'editor' } },
  ).then(() => ({ statusCode: 201, headers: {}, body: '' }));

/** Runs the CLI, capturing stdout lines and stderr text. */
async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  clock?: () => number,
): Promise<{ code: number; lines: string[]; err: string }> {
  const lines: string[] = [];
  let err = '';
  const quiet = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await main(argv, env, (l) => lines.push(l), clock);
    return { code, lines, err };
  } finally {
    quiet.mockRestore();
  }
}

describe('npm run stale-check', () => {
  it('runs the scheduled handler once with --at and prints the JSON summary last', async () => {
    // Prepare
    const ctx = await freshContext();
    await quietThread(ctx);
    const at = addHours(nowUtc(), 3);
    const env = { ...process.env, TABLE_NAME: ctx.config.tableName };
    // Act
    const first = await run(['--at', at, '--allow-future'], env);
    // Assess
    expect(first.code).toBe(0);
    expect(JSON.parse(first.lines[first.lines.length - 1]!)).toEqual({
      now: at,
      flagged: ['quiet'],
      overdue: [],
    });
    expect((await ctx.threads.getThread('quiet'))?.stale).toBe(true);
    const again = await run(['--at', at, '--allow-future'], env);
    expect(JSON.parse(again.lines[again.lines.length - 1]!).flagged).toEqual([]);
  });

  it('delivers webhooks with the sealing key npm start keeps in the data folder', async () => {
    // Prepare: the data folder as npm start leaves it, and a subscription the server sealed with its key
    const dataDir = mkdtempSync(join(tmpdir(), 'tracker-cli-'));
    const receiver = await startReceiver();
    try {
      const { webhookSecretKey } = readConfig(withLocalKeyrings({}, dataDir, true));
      const ctx = await freshContext({ webhookSecretKey, allowPrivateWebhooks: true });
      const subscription = await createSubscription(ctx, { url: receiver.url, events: ['ThreadStale'] });
      await quietThread(ctx);
      // Nothing but the data folder tells the tool the key (nor that private receivers are fine).
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TABLE_NAME: ctx.config.tableName,
        TRACKER_DATA_DIR: dataDir,
      };
      delete env.TRACKER_WEBHOOK_SECRET_KEY;
      delete env.TRACKER_ALLOW_PRIVATE_WEBHOOKS;
      // Act
      const result = await run(['--at', addHours(nowUtc(), 3), '--allow-future'], env);
      // Assess: delivered by the tool itself, signed with the subscription's secret
      expect(result.code).toBe(0);
      expect(receiver.received).toHaveLength(1);
      const [delivery] = receiver.received;
      const event = new Webhook(subscription.secret).verify(
        delivery!.body,
        delivery!.headers as Record<string, string>,
      ) as { type: string; threadId: string };
      expect(event).toMatchObject({ type: 'ThreadStale', threadId: 'quiet' });
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a bad --at and 1 when the table is missing', async () => {
    expect((await run(['--at', 'tomorrow'], process.env)).code).toBe(2);
    expect((await run(['--at', '9999-12-31T23:59:59.999-23:59'], process.env)).code).toBe(2);
    expect((await run([], { ...process.env, TABLE_NAME: 'no-such-table' })).code).toBe(1);
  });

  it('takes --at=<time>, a date as its last millisecond (as asOf does), and refuses --at given twice', async () => {
    // Prepare
    const ctx = await freshContext();
    await quietThread(ctx);
    const env = { ...process.env, TABLE_NAME: ctx.config.tableName };
    const summary = (r: { lines: string[] }) => JSON.parse(r.lines[r.lines.length - 1]!);
    // Act
    const equals = await run(['--dry-run', '--at=2025-06-01T12:00:00+02:00'], env);
    const day = await run(['--dry-run', '--at', '2025-06-01'], env);
    const month = await run(['--dry-run', '--at=2025-06'], env);
    const twice = await run(['--dry-run', '--at', '2025-06-01', '--at=2025-07-01'], env);
    const empty = await run(['--dry-run', '--at='], env);
    // Assess
    expect([equals.code, summary(equals).now]).toEqual([0, '2025-06-01T10:00:00.000Z']);
    expect([day.code, summary(day).now]).toEqual([0, '2025-06-01T23:59:59.999Z']);
    expect([month.code, summary(month).now]).toEqual([0, '2025-06-30T23:59:59.999Z']);
    expect([twice.code, twice.err.split('\n')[0]]).toEqual([
      2,
      '--at is given more than once; give one time.',
    ]);
    expect([empty.code, empty.err.split('\n')[0]]).toEqual([2, expect.stringContaining('(got "")')]);
  });

  it('exits 2 with one line naming a bad setting', async () => {
    const bad = await run([], { ...process.env, WRITE_MAX_ATTEMPTS: 'many' });
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('WRITE_MAX_ATTEMPTS must be an integer from 1 to 1000, not "many".');
  });

  it('refuses an --at more than 5 minutes ahead without --allow-future, and writes nothing', async () => {
    // Prepare: a fixed clock, so the 5-minute edge is exact.
    const ctx = await freshContext();
    await quietThread(ctx);
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const env = { ...process.env, TABLE_NAME: ctx.config.tableName };
    const at = (ms: number) => new Date(now + ms).toISOString();
    // Act
    const beyond = await run(['--at', at(5 * 60_000 + 1)], env, () => now);
    const farBeyond = await run(['--at', addHours(nowUtc(), 3)], env);
    // Assess
    expect(beyond.code).toBe(2);
    expect(beyond.err.split('\n')[0]).toMatch(
      /--at 2030-01-01T00:05:00\.001Z is more than 5 minutes ahead.*--allow-future/,
    );
    expect(farBeyond.code).toBe(2);
    expect(await ctx.threads.getThread('quiet')).toMatchObject({ stale: false, version: 1 });
    // Up to 5 minutes ahead is clock skew, not the future.
    expect((await run(['--at', at(5 * 60_000)], env, () => now)).code).toBe(0);
  });

  it('with --dry-run prints what would be flagged and writes nothing', async () => {
    // Prepare
    const ctx = await freshContext();
    await quietThread(ctx, 'quiet');
    await quietThread(ctx, 'also-quiet');
    // Their ThreadCreated notifications out first: after the dry run the stream must hold no new one.
    await relayed(ctx);
    const before = await ctx.threads.getThread('quiet');
    const at = addHours(nowUtc(), 3);
    const env = { ...process.env, TABLE_NAME: ctx.config.tableName };
    // Act: looking ahead is harmless in a dry run, so it needs no --allow-future.
    const dry = await run(['--dry-run', '--at', at], env);
    // Assess
    expect(dry.code).toBe(0);
    // Shard by shard (the due index is sharded by thread), due first within a shard.
    const last = JSON.parse(dry.lines[dry.lines.length - 1]!);
    expect({ ...last, wouldFlag: [...last.wouldFlag].sort() }).toEqual({
      now: at,
      dryRun: true,
      wouldFlag: ['also-quiet', 'quiet'],
      wouldFlagOverdue: [],
    });
    expect(dry.lines.slice(0, -1).sort()).toEqual(['would flag also-quiet', 'would flag quiet']);
    expect(await ctx.threads.getThread('quiet')).toEqual(before);
    expect(await relayed(ctx)).toBe(0);
    // The real run still finds both: the dry run took nothing off the due index.
    const real = await run(['--at', at, '--allow-future'], env);
    expect(JSON.parse(real.lines[real.lines.length - 1]!).flagged.sort()).toEqual(['also-quiet', 'quiet']);
  });

  it('reads in a dry run only through the due-index Queries a real run uses (stale and overdue), the custom kinds once, and the listed threads’ due times', async () => {
    // Prepare
    const ctx = await freshContext();
    await quietThread(ctx);
    const sent: unknown[] = [];
    const send = ctx.db.send.bind(ctx.db);
    jest
      .spyOn(ctx.db, 'send')
      .mockImplementation(((command: unknown) => (sent.push(command), send(command as never))) as never);
    // Act
    const result = await runStaleCheck(ctx, addHours(nowUtc(), 3), { dryRun: true });
    // Assess
    expect(result).toMatchObject({ flagged: ['quiet'], dryRun: true });
    expect(sent.length).toBeGreaterThan(0);
    for (const command of sent) {
      // The stale index holds the due hour: the threads it lists are read for their exact due time.
      if (command instanceof BatchGetCommand) {
        expect(Object.values(command.input.RequestItems!)[0]!.Keys).toEqual([threadKey('quiet')]);
        continue;
      }
      expect(command).toBeInstanceOf(QueryCommand);
      const input = (command as QueryCommand).input;
      // The custom kinds (which statuses are terminal), read once per process: no write read them first.
      if (input.ExpressionAttributeValues?.[':pk'] === KINDS_PK && input.IndexName === undefined) continue;
      expect([INDEX.byDue, INDEX.byExpected]).toContain(input.IndexName);
    }
    expect(sent.filter((c) => c instanceof BatchGetCommand)).toHaveLength(1);
    const kindReads = sent.filter(
      (c) => c instanceof QueryCommand && c.input.ExpressionAttributeValues?.[':pk'] === KINDS_PK,
    );
    expect(kindReads.length).toBeLessThanOrEqual(1);
  });
});
