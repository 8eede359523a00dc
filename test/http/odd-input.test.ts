import { canonicalJson } from '../../shared/http/canonical-json';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Input a hostile or careless client sends that once slipped through: page tokens signed but
 * holding keys of the wrong shape, times outside years 0001–9999, blank texts, misspelt query
 * parameters. Each is a 400 naming what is wrong, never a 500 and never a silent wrong answer.
 */
let s: TestServer;
const reader = { role: 'reader' as const };
const q = encodeURIComponent;

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  await s.call('POST', '/threads/sanctions/updates', {
    body: { summary: 'A second update, so the history has two pages.' },
  });
});
afterAll(async () => s.close());

describe('a page token signed with the server’s own key', () => {
  // Whoever holds the key (an operator, a leaked local secret) can sign anything: the key must still fit.
  const sign = (key: unknown, scope: string) =>
    s.ctx.pageTokens.encode(key as Record<string, unknown>, scope);

  it('is refused with 400 nextToken on GET /threads when its key has the wrong shape', async () => {
    // Prepare
    const good = { after: 'ceasefire' };
    const forged: [string, unknown, string][] = [
      ['a DynamoDB key instead of a position', { PK: 'TOKENS', SK: 'NAME#local-admin' }, 'threads:{}'],
      ['an id that is no slug', { after: 'TOKENS#x' }, 'threads:{}'],
      ['missing attributes', {}, 'threads:{}'],
      ['numbers', { after: 4 }, 'threads:{}'],
      ['an extra attribute', { ...good, role: 'admin' }, 'threads:{}'],
      ['no object at all', 'ceasefire', 'threads:{}'],
      ['null', null, 'threads:{}'],
      ['an array', ['ceasefire'], `threads:${canonicalJson({ scenario: 'russia-ukraine-talks' })}`],
    ];
    for (const [what, key, scope] of forged) {
      const query = scope === 'threads:{}' ? '' : 'scenario=russia-ukraine-talks&';
      // Act
      const r = await s.call('GET', `/threads?${query}nextToken=${q(sign(key, scope))}`, reader);
      // Assess
      expect({ what, status: r.status, paths: r.body?.errors?.map((e: { path: string }) => e.path) }).toEqual(
        { what, status: 400, paths: ['nextToken'] },
      );
    }
    // The well-shaped key, signed the same way, is followed.
    const followed = await s.call('GET', `/threads?nextToken=${q(sign(good, 'threads:{}'))}`, reader);
    expect(followed.status).toBe(200);
    expect(followed.body.items[0].id).toBe('prisoner-exchange');
  });

  it('is refused with 400 nextToken on GET /threads/{id}/updates when its key is another thread’s or of the wrong shape', async () => {
    // Prepare: a real key of sanctions' history, from a real first page.
    const page = await s.call('GET', '/threads/sanctions/updates?limit=1', reader);
    const realKey = JSON.parse(Buffer.from(page.body.nextToken.split('.')[0], 'base64url').toString()).k as {
      PK: string;
      SK: string;
      LSI1SK: string;
    };
    const other = (await s.call('GET', '/threads/ceasefire/updates?limit=1', reader)).body.items[0]
      .id as string;
    const forged: [string, unknown][] = [
      ['sanctions’ key under ceasefire', realKey],
      ['a thread item', { PK: 'THREAD#ceasefire', SK: '#THREAD', LSI1SK: realKey.LSI1SK }],
      ['mismatched update ids', { PK: 'THREAD#ceasefire', SK: `UPDATE#${other}`, LSI1SK: realKey.LSI1SK }],
      ['missing LSI1SK', { PK: 'THREAD#ceasefire', SK: `UPDATE#${other}` }],
      ['numbers', { PK: 'THREAD#ceasefire', SK: 1, LSI1SK: 2 }],
      ['an array', ['THREAD#ceasefire']],
    ];
    for (const [what, key] of forged) {
      // Act
      const r = await s.call(
        'GET',
        `/threads/ceasefire/updates?nextToken=${q(sign(key, 'updates:ceasefire'))}`,
        reader,
      );
      // Assess
      expect({ what, status: r.status, paths: r.body?.errors?.map((e: { path: string }) => e.path) }).toEqual(
        { what, status: 400, paths: ['nextToken'] },
      );
    }
    // A well-shaped key in ceasefire's own partition only positions the read there: it is followed.
    const positioned = await s.call(
      'GET',
      `/threads/ceasefire/updates?nextToken=${q(sign({ ...realKey, PK: 'THREAD#ceasefire' }, 'updates:ceasefire'))}`,
      reader,
    );
    expect(positioned.status).toBe(200);
    const followed = await s.call(
      'GET',
      `/threads/sanctions/updates?nextToken=${q(page.body.nextToken)}`,
      reader,
    );
    expect(followed.status).toBe(200);
    expect(followed.body.items).toHaveLength(1);
  });
});

describe('times outside UTC years 0001–9999', () => {
  it.each([
    ['asOf', '/threads/ceasefire?asOf='],
    ['knownAt', '/threads/ceasefire?knownAt='],
    ['updatedSince', '/threads?updatedSince='],
  ])('are refused as %s with 400 naming it; the edges inside are accepted', async (param, prefix) => {
    for (const outside of [
      '9999-12-31T23:59:59.999-23:59',
      '9999-12-31T23:00:00-01:00',
      '0001-01-01T00:00:00+00:01',
      '0000-12-31T23:59:59Z',
    ]) {
      // Act
      const r = await s.call('GET', `${prefix}${q(outside)}`, reader);
      // Assess
      expect({ outside, status: r.status, errors: r.body.errors }).toEqual({
        outside,
        status: 400,
        errors: [
          {
            path: param,
            message: expect.stringContaining('0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z'),
          },
        ],
      });
    }
    for (const inside of [
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999+23:59',
      '0001-01-01T00:00:00Z',
      '0000-12-31T23:59:00-00:01',
    ]) {
      const r = await s.call('GET', `${prefix}${q(inside)}`, reader);
      // Before the first update there is no status (404 no_status_at_time); that is an answer, not a refusal.
      expect({ inside, status: r.status === 404 ? r.body.code : r.status }).toEqual({
        inside,
        status: prefix.includes('updatedSince') || inside.startsWith('9999') ? 200 : 'no_status_at_time',
      });
    }
  });

  it.each([
    ['asOf', '/threads/ceasefire?asOf='],
    ['knownAt', '/threads?scenario=russia-ukraine-talks&knownAt='],
    ['updatedSince', '/threads?updatedSince='],
  ])(
    'tells a client whose unencoded + offset arrived as a space in %s to send %%2B',
    async (param, prefix) => {
      // Act: `+` left unencoded in the query, as a hand-written URL does
      const plus = await s.call('GET', `${prefix}2025-05-16T12:00:00+03:00`, reader);
      const encoded = await s.call('GET', `${prefix}2025-05-16T12:00:00%2B03:00`, reader);
      const junk = await s.call('GET', `${prefix}yesterday`, reader);
      // Assess
      expect([plus.status, plus.body.errors]).toEqual([
        400,
        [{ path: param, message: expect.stringContaining("send the offset's + as %2B") }],
      ]);
      expect(encoded.status).not.toBe(400); // 200, or 404 no_status_at_time before the first update
      expect(junk.status).toBe(400);
      expect(junk.body.errors[0].message).not.toContain('%2B');
    },
  );

  it('echoes an in-range asOf in four-digit RFC 3339', async () => {
    const r = await s.call('GET', `/threads/ceasefire?asOf=${q('9999-12-31T23:59:59.999+23:59')}`, reader);
    expect(r.body.asOf).toBe('9999-12-31T00:00:59.999Z');
  });
});

describe('blank texts', () => {
  const blanks = ['   ', '\t\n', '\u00a0\u3000', '\u200b', '\ufeff '];

  it.each([
    [
      'POST /threads title',
      'POST',
      '/threads',
      (t: string) => ({
        id: 'blank-test',
        scenario: 'x',
        kind: 'other',
        title: t,
        status: 'active',
        summary: 'ok',
      }),
      'title',
    ],
    [
      'POST /threads summary',
      'POST',
      '/threads',
      (t: string) => ({
        id: 'blank-test',
        scenario: 'x',
        kind: 'other',
        title: 'ok',
        status: 'active',
        summary: t,
      }),
      'summary',
    ],
    [
      'POST /threads status',
      'POST',
      '/threads',
      (t: string) => ({
        id: 'blank-test',
        scenario: 'x',
        kind: 'other',
        title: 'ok',
        status: t,
        summary: 'ok',
      }),
      'status',
    ],
    ['PATCH title', 'PATCH', '/threads/sanctions', (t: string) => ({ title: t }), 'title'],
    ['update summary', 'POST', '/threads/sanctions/updates', (t: string) => ({ summary: t }), 'summary'],
    [
      'quote speaker',
      'POST',
      '/threads/sanctions/updates',
      (t: string) => ({ summary: 'ok', quotes: [{ speaker: t, text: 'ok' }] }),
      'quotes[0].speaker',
    ],
    [
      'quote text',
      'POST',
      '/threads/sanctions/updates',
      (t: string) => ({ summary: 'ok', quotes: [{ speaker: 'ok', text: t }] }),
      'quotes[0].text',
    ],
  ])('are refused as %s with 400 naming the field', async (_what, method, path, body, field) => {
    const before = await s.ctx.threads.getThread('sanctions');
    for (const blank of blanks) {
      // Act
      const r = await s.call(method, path, { body: body(blank) });
      // Assess
      expect({ blank, status: r.status, errors: r.body.errors }).toEqual({
        blank,
        status: 400,
        errors: [{ path: field, message: expect.stringContaining('blank') }],
      });
    }
    expect(await s.ctx.threads.getThread('sanctions')).toEqual(before);
    expect(await s.ctx.threads.getThread('blank-test')).toBeNull();
  });

  it('are refused as a retraction reason with 400 naming reason, and the update stays', async () => {
    const update = (await s.call('GET', '/threads/sanctions/updates?limit=1', reader)).body.items[0];
    for (const blank of blanks) {
      const r = await s.call('POST', `/threads/sanctions/updates/${update.id}/retraction`, {
        body: { reason: blank },
      });
      expect({ blank, status: r.status, errors: r.body.errors }).toEqual({
        blank,
        status: 400,
        errors: [{ path: 'reason', message: expect.stringContaining('blank') }],
      });
    }
    expect((await s.call('GET', `/threads/sanctions/updates/${update.id}`, reader)).body.retracted).toBe(
      false,
    );
  });

  it('with visible text around white space are kept as sent', async () => {
    const r = await s.call('POST', '/threads/sanctions/updates', {
      body: { summary: '  padded  ', quotes: [{ speaker: ' A ', text: '\u200bx' }] },
    });
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({
      summary: '  padded  ',
      quotes: [{ speaker: ' A ', text: '\u200bx' }],
    });
  });
});

describe('unknown query parameters', () => {
  it.each([
    ['/threads?staus=held', 'staus'],
    ['/threads?scenario=russia-ukraine-talks&limt=1', 'limt'],
    ['/threads?next_token=x', 'next_token'],
    ['/threads/ceasefire?asof=2025-05-17T00:00:00Z', 'asof'],
    ['/threads/ceasefire?as_of=2025-05-17T00:00:00Z&knownAt=2025-05-17T00:00:00Z', 'as_of'],
    ['/threads/ceasefire/updates?limit=1&page=2', 'page'],
    ['/threads/ceasefire/updates?Limit=1', 'Limit'],
  ])('%s is 400 naming %s, not a filter silently dropped', async (path, param) => {
    // Act
    const r = await s.call('GET', path, reader);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      code: 'validation_error',
      errors: [{ path: param, message: 'is not a known query parameter' }],
    });
    expect(r.body.detail).toContain(param);
  });
});
