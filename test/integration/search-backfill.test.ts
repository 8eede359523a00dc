import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createThread, postUpdate } from '../../shared/app/threads';
import { searchPage } from '../../shared/app/search';
import { main } from '../../local/search-backfill-cli';
import { firstFormatPostingSk, postingPk, searchDocKey } from '../../shared/store/keys';
import type { AppContext } from '../../shared/app/context';
import { freshContext } from '../support/context';

const editor = { principal: { name: 't', role: 'editor' as const } };

/** Runs the CLI against the context's table; the JSON summary is its last line. */
async function backfill(ctx: AppContext, ...argv: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main(
    argv,
    { ...process.env, TABLE_NAME: ctx.config.tableName },
    {
      out: (l) => lines.push(l),
      err: (l) => errors.push(l),
    },
  );
  return { code, summary: JSON.parse(lines[lines.length - 1] ?? 'null'), errors };
}

const found = async (ctx: AppContext, q: string) =>
  (await searchPage(ctx, { q, drafts: false }, 20)).items.map((i) =>
    i.updateId ? `${i.threadId}/${i.updateId}` : i.threadId,
  );

describe('npm run search:backfill', () => {
  let ctx: AppContext;
  const updates: string[] = [];
  beforeAll(async () => {
    // Prepare: threads and updates written while no indexer ran (the stream is never read here).
    ctx = await freshContext();
    for (const [i, id] of ['alpha', 'bravo', 'charlie'].entries()) {
      await createThread(
        ctx,
        {
          id,
          scenario: i === 2 ? 'other' : 'desk',
          kind: 'other',
          title: `Backfill ${id}`,
          status: 'active',
          summary: 'Old news.',
        },
        editor,
      );
      const r = await postUpdate(ctx, id, { status: null, summary: `Kherson talks ${id}` }, editor);
      updates.push(`${id}/${r.update!.id}`);
    }
    // And one document indexed in the first format: its record without a format, its posting keyed by scenario.
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tableName,
        Item: {
          PK: postingPk('obsolete'),
          SK: firstFormatPostingSk('desk', 'alpha', undefined),
          w: 3,
          n: 20,
        },
      }),
    );
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tableName,
        Item: {
          ...searchDocKey('alpha', undefined),
          doc: { scenario: 'desk', threadId: 'alpha', terms: { obsolete: 3 }, n: 20, draft: false },
        },
      }),
    );
  });

  it('indexes what was written before the index, resumes from its checkpoint, and replaces the first format', async () => {
    // Prepare
    expect(await found(ctx, 'kherson')).toEqual([]);
    // Act: one thread, then the rest.
    const first = await backfill(ctx, '--max-threads', '1');
    const rest = await backfill(ctx);
    // Assess
    expect(first).toMatchObject({
      code: 0,
      summary: { done: false, after: 'alpha', run: { threads: 1, documents: 3 } },
    });
    expect(rest).toMatchObject({
      code: 0,
      summary: { done: true, threads: 3, run: { threads: 2, documents: 6 } },
    });
    // A thread's summary is its latest update's: the threads are found too.
    expect((await found(ctx, 'kherson')).sort()).toEqual([...updates, 'alpha', 'bravo', 'charlie'].sort());
    expect(await found(ctx, 'backfill')).toEqual(['alpha', 'bravo', 'charlie']);
    expect(await found(ctx, 'obsolete')).toEqual([]);
    const old = await ctx.db.send(
      new GetCommand({
        TableName: ctx.config.tableName,
        Key: { PK: postingPk('obsolete'), SK: firstFormatPostingSk('desk', 'alpha', undefined) },
      }),
    );
    expect(old.Item).toBeUndefined();
  });

  it('writes nothing when run again: done, and with --restart every posting is already there', async () => {
    // Act
    const again = await backfill(ctx);
    const restarted = await backfill(ctx, '--restart');
    // Assess
    expect(again.summary).toMatchObject({ done: true, run: { threads: 0, put: 0, deleted: 0 } });
    expect(restarted.summary).toMatchObject({
      done: true,
      run: { threads: 3, documents: 9, put: 0, deleted: 0 },
    });
  });

  it('answers 2 to a wrong argument', async () => {
    expect((await backfill(ctx, '--max-threads', '0')).code).toBe(2);
  });
});
