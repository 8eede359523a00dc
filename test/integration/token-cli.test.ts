import { randomUUID } from 'node:crypto';
import { createContext, type AppContext } from '../../shared/app/context';
import { authenticate, hashToken } from '../../shared/app/tokens';
import { readConfig } from '../../shared/config';
import { ensureTable } from '../../shared/store/table';
import { freePort } from '../../local/dynamodb-local';
import { cliConfig, resolveDynamoTarget } from '../../local/cli-env';
import { main } from '../../local/token-cli';

/** The token CLI run in-process against the run's DynamoDB Local, over a table of its own. */

let env: NodeJS.ProcessEnv;
let ctx: AppContext;

beforeAll(async () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DynamoDB Local is not running: the jest global setup starts it');
  env = { DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: `cli-${randomUUID().slice(0, 8)}` };
  ctx = createContext(readConfig(env));
  await ensureTable(ctx.db, env.TABLE_NAME!);
});
afterAll(() => ctx.db.destroy());

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const TOKEN = /^st_[A-Za-z0-9_-]{43}$/;

describe('npm run token -- create', () => {
  it('prints a new token once, on its own line, and that token authenticates with the role asked for', async () => {
    // Prepare: nothing beyond the empty table.

    // Act
    const created = await cli('create', '--name', 'desk-editor', '--role', 'editor');

    // Assess
    expect(created.code).toBe(0);
    expect(created.err).toEqual([]);
    const token = created.out[created.out.length - 1]!;
    expect(token).toMatch(TOKEN);
    expect(created.out.filter((l) => l.includes(token))).toHaveLength(1);
    await expect(authenticate(ctx, `Bearer ${token}`)).resolves.toEqual({
      name: 'desk-editor',
      role: 'editor',
      subject: hashToken(token),
      scheme: 'bearer',
    });
  });

  it('refuses a name that is taken with exit code 1 and prints no token', async () => {
    // Prepare
    await cli('create', '--name', 'taken', '--role', 'reader');

    // Act
    const again = await cli('create', '--name', 'taken', '--role', 'admin');

    // Assess
    expect(again.code).toBe(1);
    expect(again.out).toEqual([]);
    expect(again.err.join('\n')).toMatch(/taken exists already/);
    expect(again.err.join('\n')).not.toMatch(/st_/);
  });

  it.each([
    [['create', '--name', 'Bad Name', '--role', 'reader'], /--name must be a slug/],
    [['create', '--name', 'a'.repeat(65), '--role', 'reader'], /--name must be a slug/],
    [['create', '--name=-x', '--role', 'reader'], /--name must be a slug/],
    [['create', '--name', 'ok', '--role', 'root'], /--role must be one of reader, editor, admin/],
    [['create', '--name', 'ok'], /create needs --role/],
    [['create', '--role', 'reader'], /create needs --name/],
    [['create', '--name'], /argument missing|--name/],
    [['create', '--name', 'ok', '--role', 'reader', '--token', 'st_x'], /Unknown option/],
    [['list', '--role', 'admin'], /list takes no --role/],
    [['revoke'], /revoke needs --name/],
    [['rotate', '--name', 'x'], /Unknown command "rotate"/],
    [[], /Give a command/],
    [['list', 'extra'], /Unexpected argument "extra"/],
  ])('rejects %j with a usage error (exit 2) and writes nothing', async (argv, message) => {
    // Prepare
    const before = await ctx.tokens.list();

    // Act
    const result = await cli(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(result.err[0]).toMatch(message);
    expect(result.err.join('\n')).toMatch(/^Usage: npm run token/m);
    await expect(ctx.tokens.list()).resolves.toEqual(before);
  });
});

describe('npm run token -- list', () => {
  it('shows names, roles, createdAt and lastUsedAt, never a token or a hash', async () => {
    // Prepare
    const created = await cli('create', '--name', 'dashboard', '--role', 'reader');
    const token = created.out[created.out.length - 1]!;
    await authenticate(ctx, `Bearer ${token}`);
    const stored = await ctx.tokens.findByHash(hashToken(token));

    // Act
    const table = await cli('list');
    const json = await cli('list', '--json');

    // Assess
    expect(table.code).toBe(0);
    expect(json.code).toBe(0);
    const printed = [...table.out, ...json.out, ...table.err, ...json.err].join('\n');
    expect(printed).not.toContain(token);
    expect(printed).not.toContain(hashToken(token));
    expect(printed).not.toMatch(/st_|[0-9a-f]{64}|hash/i);
    expect(table.out[0]).toMatch(/^NAME\s+ROLE\s+CREATED\s+LAST USED$/);
    expect(table.out.find((l) => l.startsWith('dashboard '))).toMatch(
      new RegExp(`^dashboard\\s+reader\\s+${stored!.createdAt}\\s+${stored!.lastUsedAt}$`),
    );
    const item = JSON.parse(json.out[0]!).items.find((t: { name: string }) => t.name === 'dashboard');
    expect(item).toEqual({
      name: 'dashboard',
      role: 'reader',
      createdAt: stored!.createdAt,
      lastUsedAt: stored!.lastUsedAt,
    });
    expect(item.lastUsedAt).toEqual(expect.any(String));
  });
});

describe('npm run token -- revoke', () => {
  it('makes the token fail on its very next use', async () => {
    // Prepare
    const created = await cli('create', '--name', 'leaked', '--role', 'admin');
    const token = created.out[created.out.length - 1]!;
    await expect(authenticate(ctx, `Bearer ${token}`)).resolves.not.toBeNull();

    // Act
    const revoked = await cli('revoke', '--name', 'leaked');

    // Assess
    expect(revoked.err).toEqual([]);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toEqual(['Revoked token leaked.']);
    await expect(authenticate(ctx, `Bearer ${token}`)).resolves.toBeNull();
    expect((await cli('list', '--json')).out[0]).not.toContain('"leaked"');
  });

  it('says so (exit 1) for a name that has no token', async () => {
    // Prepare: no token named ghost.

    // Act
    const result = await cli('revoke', '--name', 'ghost');

    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toEqual(['No token named ghost.']);
  });
});

describe('where the CLI looks for its database', () => {
  it('uses the embedded DynamoDB Local when DYNAMODB_ENDPOINT is unset, and says in one line when nothing answers there', async () => {
    // Prepare
    const port = await freePort();
    const lines: string[] = [];

    // Act
    const result = await main(
      ['list'],
      { DYNAMODB_LOCAL_PORT: String(port) },
      { out: () => undefined, err: (l) => lines.push(l) },
    );

    // Assess
    expect(result).toBe(1);
    expect(lines).toEqual([
      `Nothing answers as the embedded DynamoDB Local at http://127.0.0.1:${port}. Start it with npm start, or set DYNAMODB_ENDPOINT.`,
    ]);
  });

  it('says in one line when the table is missing', async () => {
    // Prepare
    const err: string[] = [];

    // Act
    const code = await main(
      ['list'],
      { ...env, TABLE_NAME: 'no-such-table' },
      { out: () => undefined, err: (l) => err.push(l) },
    );

    // Assess
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^Table no-such-table does not exist/);
  });

  it('tells unset, a URL and the word aws apart', () => {
    // Prepare
    const unset = {};
    const emptyValue = { DYNAMODB_ENDPOINT: '', DYNAMODB_LOCAL_PORT: '8123' };
    const url = { DYNAMODB_ENDPOINT: 'http://dynamo.internal:8000' };
    const aws = { DYNAMODB_ENDPOINT: 'aws', TABLE_NAME: 'prod-table' };

    // Act
    const targets = [unset, emptyValue, url, aws].map((e) => cliConfig(e));

    // Assess
    expect(targets.map((t) => t.target)).toEqual([
      { kind: 'embedded', endpoint: 'http://127.0.0.1:8000', port: 8000 },
      { kind: 'embedded', endpoint: 'http://127.0.0.1:8123', port: 8123 },
      { kind: 'url', endpoint: 'http://dynamo.internal:8000' },
      { kind: 'aws' },
    ]);
    expect(targets.map((t) => t.config.dynamodbEndpoint)).toEqual([
      'http://127.0.0.1:8000',
      'http://127.0.0.1:8123',
      'http://dynamo.internal:8000',
      undefined,
    ]);
    expect(targets.map((t) => t.config.tableName)).toEqual([
      'scenario-tracker',
      'scenario-tracker',
      'scenario-tracker',
      'prod-table',
    ]);
  });

  it.each([
    [{ DYNAMODB_ENDPOINT: 'localhost:8000' }, /DYNAMODB_ENDPOINT must be an http\(s\) URL or the word aws/],
    [{ DYNAMODB_ENDPOINT: 'AWS' }, /DYNAMODB_ENDPOINT must be an http\(s\) URL or the word aws/],
    [{ DYNAMODB_LOCAL_PORT: '80a' }, /DYNAMODB_LOCAL_PORT must be a port number/],
    [{ DYNAMODB_LOCAL_PORT: '70000' }, /DYNAMODB_LOCAL_PORT must be a port number/],
  ])('rejects the setting %j as a usage error', async (badEnv, message) => {
    // Prepare
    const err: string[] = [];

    // Act
    const code = await main(['list'], badEnv, { out: () => undefined, err: (l) => err.push(l) });

    // Assess
    expect(code).toBe(2);
    expect(err[0]).toMatch(message);
    expect(() => resolveDynamoTarget(badEnv)).toThrow(message);
  });
});
