import { createThread } from '../../shared/app/threads';
import { addHours, nowUtc } from '../../shared/domain/time';
import { main } from '../../local/stale-check-cli';
import { freshContext } from '../support/context';

describe('npm run stale-check', () => {
  it('runs the scheduled handler once with --at and prints the JSON summary last', async () => {
    // Prepare
    const ctx = await freshContext();
    await createThread(ctx, { id: 'quiet', scenario: 'cli', kind: 'other', title: 'Quiet', status: 'active', summary: 's', staleAfterHours: 2 }, { principal: { name: 't', role: 'editor' } }, () => ({ statusCode: 201, headers: {}, body: '' }));
    const at = addHours(nowUtc(), 3);
    const lines: string[] = [];
    // Act
    const code = await main(['--at', at], { ...process.env, TABLE_NAME: ctx.config.tableName }, (l) => lines.push(l));
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({ now: at, flagged: ['quiet'] });
    expect((await ctx.threads.getThread('quiet'))?.stale).toBe(true);
    const again: string[] = [];
    await main(['--at', at], { ...process.env, TABLE_NAME: ctx.config.tableName }, (l) => again.push(l));
    expect(JSON.parse(again[again.length - 1]!).flagged).toEqual([]);
  });

  it('exits 2 on a bad --at and 1 when the table is missing', async () => {
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--at', 'tomorrow'], process.env, () => undefined)).toBe(2);
      expect(await main([], { ...process.env, TABLE_NAME: 'no-such-table' }, () => undefined)).toBe(1);
    } finally {
      quiet.mockRestore();
    }
  });
});
