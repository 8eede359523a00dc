import { main as migrate } from '../../local/migrate-cli';
import { main as staleCheck } from '../../local/stale-check-cli';

/**
 * The command-line tools' flags (local/cli-env.ts `parseCliArgs`, `runCli`): what a caller gets
 * wrong is answered with exit 2, the message and the usage, before any database is looked for
 * (the environment below names none that answers).
 */
const NOWHERE = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };

async function run(tool: typeof migrate, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await tool(argv, NOWHERE, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

describe('the command-line tools’ flags', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--max-items'], /--max-items <value>' argument missing/],
    [['--max-items', '0'], /--max-items needs a positive whole number \(got "0"\)/],
    [['--segments=x'], /--segments needs a positive whole number \(got "x"\)/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('refuse %j with exit 2, the reason and the usage', async (argv, reason) => {
    // Act
    const { code, err } = await run(migrate, argv);
    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(reason);
    expect(err).toContain('usage: npm run migrate');
  });

  it('print the usage for --help and -h and exit 0, looking for no database', async () => {
    // Act
    const results = [await run(migrate, ['--help']), await run(migrate, ['-h'])];
    // Assess
    expect(results.map((r) => [r.code, r.out])).toEqual([
      [0, ['usage: npm run migrate -- [--dry-run] [--max-items <n>] [--segments <n>]']],
      [0, ['usage: npm run migrate -- [--dry-run] [--max-items <n>] [--segments <n>]']],
    ]);
  });

  it('take --flag=value as --flag value, and a flag the tool knows only with its own type', async () => {
    // Act
    const equals = await run(migrate, ['--max-items=0']);
    const booleanWithValue = await run(migrate, ['--dry-run=yes']);
    // Assess
    expect([equals.code, equals.err]).toEqual([
      2,
      expect.stringContaining('--max-items needs a positive whole number (got "0")'),
    ]);
    expect(booleanWithValue.code).toBe(2);
    expect(booleanWithValue.err).toMatch(/--dry-run' does not take an argument/);
  });

  it('refuse the stale check’s --at given twice, in either spelling', async () => {
    // Prepare
    const lines: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((l) => lines.push(String(l)) > 0);
    try {
      // Act
      const code = await staleCheck(['--at', '2025-06-01', '--at=2025-06-02'], NOWHERE, () => undefined);
      // Assess
      expect(code).toBe(2);
      expect(lines.join('')).toContain('--at is given more than once; give one time.');
    } finally {
      stderr.mockRestore();
    }
  });
});
