import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createContext, setAppContext, type AppContext } from '../../shared/app/context';
import { readConfig } from '../../shared/config';
import { INITIAL_KEY_ID, parseKeyring, UnknownKeyError } from '../../shared/domain/keyring';
import { subscriptionKey } from '../../shared/store/keys';
import { main as keyring } from '../../local/keyring-cli';
import { SECRET_FILE, WEBHOOK_KEY_FILE, withLocalKeyrings } from '../../local/local-secrets';
import { startTestServer, type TestServer } from '../support/server';

/**
 * The rotation procedure of docs/runbook.md, run locally: `npm start`'s data-folder keyrings rotated
 * with `npm run keyring -- rotate --local …` and the server restarted on them (a new context over
 * the same table, as a restart gives), then a previous key retired. Over HTTP and DynamoDB Local.
 */
let dataDir: string;
let s: TestServer;
const quietIo = { input: () => '', out: () => undefined, err: () => undefined };

/** The settings `npm start` runs with on this data folder: its keyrings, read (made the first time). */
const startedOn = (dir: string) => readConfig(withLocalKeyrings({}, dir, true));

/** `npm start` restarted on the data folder: the same table, the keyrings as the folder now holds them. */
function restart(): AppContext {
  const cfg = startedOn(dataDir);
  const ctx = createContext(
    { ...s.ctx.config, pageTokenSecret: cfg.pageTokenSecret, webhookSecretKey: cfg.webhookSecretKey },
    { db: s.ctx.db },
  );
  setAppContext(ctx);
  return ctx;
}
const rotate = (which: 'page-token' | 'webhook') =>
  keyring(['rotate', '--local', which], { TRACKER_DATA_DIR: dataDir }, quietIo);
const currentId = (file: string) => parseKeyring(readFileSync(join(dataDir, file), 'utf8')).current.id;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tracker-rotation-'));
  const cfg = startedOn(dataDir);
  s = await startTestServer({
    config: {
      pageTokenSecret: cfg.pageTokenSecret,
      webhookSecretKey: cfg.webhookSecretKey,
      allowPrivateWebhooks: true,
    },
  });
});
afterAll(async () => {
  await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('rotating the webhook sealing key', () => {
  it('opens a secret sealed with key 1 after the rotation (key 2 current, key 1 previous), seals new ones with key 2, and stops opening key 1 once it is retired', async () => {
    // Prepare: a subscription sealed with key 1
    const key1 = currentId(WEBHOOK_KEY_FILE);
    const before = await s.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: 'http://127.0.0.1:9/hook', events: ['ThreadStale'] },
    });
    expect(before.status).toBe(201);

    // Act: rotate, restart, subscribe again
    expect(rotate('webhook')).toBe(0);
    const afterRotation = restart();
    const key2 = currentId(WEBHOOK_KEY_FILE);
    const shown = await s.call('GET', `/subscriptions/${before.body.id}`, { role: 'admin' });
    const opened = await afterRotation.subscriptions.get(before.body.id);
    const after = await s.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: 'http://127.0.0.1:9/hook', events: ['ThreadStale'] },
    });
    const listed = await s.call('GET', '/subscriptions', { role: 'admin' });
    const sealed = async (id: string) =>
      String(
        (await s.ctx.db.send(new GetCommand({ TableName: s.ctx.config.tableName, Key: subscriptionKey(id) })))
          .Item?.sealedSecret,
      );

    // Assess
    expect(key2).not.toBe(key1);
    expect(shown.status).toBe(200);
    expect(opened?.secret).toBe(before.body.secret);
    expect(after.status).toBe(201);
    expect(listed.status).toBe(200);
    expect(listed.body.items ?? listed.body).toHaveLength(2);
    expect((await sealed(before.body.id)).split('.').slice(0, 2)).toEqual(['v2', key1]);
    expect((await sealed(after.body.id)).split('.').slice(0, 2)).toEqual(['v2', key2]);
    expect((await afterRotation.subscriptions.get(after.body.id))?.secret).toBe(after.body.secret);

    // Act: retire key 1 (`npm run keyring -- retire <id> --local webhook`)
    expect(keyring(['retire', key1, '--local', 'webhook'], { TRACKER_DATA_DIR: dataDir }, quietIo)).toBe(0);
    const retired = restart();
    // Assess: what key 1 sealed no longer opens; key 2's still does
    await expect(retired.subscriptions.get(before.body.id)).rejects.toThrow(UnknownKeyError);
    expect((await retired.subscriptions.get(after.body.id))?.secret).toBe(after.body.secret);
    await retired.subscriptions.remove(before.body.id);
  });

  it('opens a secret sealed before keyrings (no key id) with the plain key, before and after the first rotation', async () => {
    // Prepare: an item as the code before keyrings wrote it, under a plain key (the old data-folder file)
    const plain = 'legacy-webhook-key-of-before-keyrings-0123456789';
    const id = 'sub_01JLEGACY0000000000000000';
    await s.ctx.db.send(
      new PutCommand({
        TableName: s.ctx.config.tableName,
        Item: {
          ...subscriptionKey(id),
          id,
          url: 'http://127.0.0.1:9/hook',
          events: ['ThreadStale'],
          scenario: null,
          threadId: null,
          description: null,
          status: 'active',
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
          // Sealed by the code before keyrings (git show 0e05279:shared/store/secret-box.ts) with `plain`.
          sealedSecret:
            'v1.L8mCSkJdYVVZzgPB.5m3Oq3aNR4rjCnpRWsb393wfwp3ALuV9Vv4MTSG2Q5x6AnbX7v6B8tx8QlbK09ZbYwU.WoGWj3VqzbLWQf81HkespQ',
        },
      }),
    );
    const io = (input: string, out: (l: string) => void) => ({
      input: () => input,
      out,
      err: () => undefined,
    });
    let rotated = '';
    // Act
    const withPlain = createContext({ ...s.ctx.config, webhookSecretKey: plain }, { db: s.ctx.db });
    const openedPlain = await withPlain.subscriptions.get(id);
    expect(
      keyring(
        ['rotate'],
        {},
        io(plain, (l) => (rotated = l)),
      ),
    ).toBe(0);
    const withRotated = createContext({ ...s.ctx.config, webhookSecretKey: rotated }, { db: s.ctx.db });
    const openedRotated = await withRotated.subscriptions.get(id);
    // Assess
    const secret = 'whsec_bGVnYWN5IHNlY3JldCBvZiBiZWZvcmUga2V5cmluZ3M=';
    expect(openedPlain?.secret).toBe(secret);
    expect(openedRotated?.secret).toBe(secret);
    expect(parseKeyring(rotated).previous).toEqual({ [INITIAL_KEY_ID]: plain });
    await withPlain.subscriptions.remove(id);
  });
});

describe('rotating the page-token key', () => {
  it('pages on with a token issued before the rotation, signs new tokens with key 2, and refuses key 1 tokens once it is retired', async () => {
    // Prepare: page 1, its token signed with key 1
    restart();
    const key1 = currentId(SECRET_FILE);
    const first = await s.call('GET', '/threads?limit=1', { role: 'reader' });
    const oldToken: string = first.body.nextToken;
    // Act
    expect(rotate('page-token')).toBe(0);
    restart();
    const key2 = currentId(SECRET_FILE);
    const second = await s.call('GET', `/threads?limit=1&nextToken=${encodeURIComponent(oldToken)}`, {
      role: 'reader',
    });
    // Assess
    expect(oldToken.split('.')[2]).toBe(key1);
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.nextToken.split('.')[2]).toBe(key2);

    // Act: retire key 1
    expect(keyring(['retire', key1, '--local', 'page-token'], { TRACKER_DATA_DIR: dataDir }, quietIo)).toBe(
      0,
    );
    restart();
    const refused = await s.call('GET', `/threads?limit=1&nextToken=${encodeURIComponent(oldToken)}`, {
      role: 'reader',
    });
    const stillGood = await s.call(
      'GET',
      `/threads?limit=1&nextToken=${encodeURIComponent(second.body.nextToken)}`,
      { role: 'reader' },
    );
    // Assess: 400 naming nextToken, as the contract allows for a token that no longer verifies
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('nextToken');
    expect(stillGood.status).toBe(200);
  });

  it('pages on with a token of before keyrings (two parts, no key id) under the plain key, and after the first rotation', async () => {
    // Prepare: the server on a plain key, as the data folder held it before keyrings
    const plain = 'legacy-page-token-key-of-before-keyrings-0123456789';
    setAppContext(createContext({ ...s.ctx.config, pageTokenSecret: plain }, { db: s.ctx.db }));
    const first = await s.call('GET', '/threads?limit=1', { role: 'reader' });
    // A token as the code before keyrings wrote it: `<payload>.<signature>`, no key id.
    const [payload, signature, keyId] = (first.body.nextToken as string).split('.');
    let rotated = '';
    expect(
      keyring(['rotate'], {}, { input: () => plain, out: (l) => (rotated = l), err: () => undefined }),
    ).toBe(0);
    // Act
    const onPlain = await s.call('GET', `/threads?limit=1&nextToken=${payload}.${signature}`, {
      role: 'reader',
    });
    setAppContext(createContext({ ...s.ctx.config, pageTokenSecret: rotated }, { db: s.ctx.db }));
    const onRotated = await s.call('GET', `/threads?limit=1&nextToken=${payload}.${signature}`, {
      role: 'reader',
    });
    // Assess
    expect(keyId).toBe(INITIAL_KEY_ID);
    expect(onPlain.status).toBe(200);
    expect(onRotated.status).toBe(200);
    expect(onRotated.body.items).toEqual(onPlain.body.items);
  });
});
