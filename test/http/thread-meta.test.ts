import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.2: `keywords` on threads and scenarios (the Matches bullet of "Sources and the news inbox"). */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ seed: false });
});
afterAll(async () => s.close());

const reader = { role: 'reader' as const };
let made = 0;
/** A new thread of its own (tests do not share one): its id and the created body. */
const newThread = async (extra: Record<string, unknown> = {}) => {
  const id = `meta-${++made}`;
  const r = await s.call('POST', '/threads', {
    body: {
      id,
      scenario: 'meta-desk',
      kind: 'summit',
      title: `Summit ${made}`,
      status: 'announced',
      summary: 'Announced.',
      occurredAt: '2025-10-16',
      ...extra,
    },
  });
  expect(r.status).toBe(201);
  return { id, body: r.body };
};
const paths = (r: { body: { errors?: { path: string }[] } }) => (r.body.errors ?? []).map((e) => e.path);

describe('keywords on threads', () => {
  it('are [] by default, in the thread view and in lists', async () => {
    // Prepare
    const { id, body } = await newThread();
    // Act
    const one = await s.call('GET', `/threads/${id}`, reader);
    const list = await s.call('GET', '/threads?scenario=meta-desk', reader);
    // Assess
    expect(body.keywords).toEqual([]);
    expect(one.body.keywords).toEqual([]);
    expect(list.body.items.find((t: { id: string }) => t.id === id).keywords).toEqual([]);
  });

  it('are set at creation and with PATCH, in any language: trimmed, and a repeat in another case kept once (first spelling)', async () => {
    // Prepare
    const { id, body } = await newThread({ keywords: ['Budapest', ' Будапешт ', 'BUDAPEST'] });
    // Act
    const patched = await s.call('PATCH', `/threads/${id}`, {
      body: { keywords: ['Trump–Putin', 'саміт', 'Treffen ', 'trump–putin', 'ΣΎΝΟΔΟΣ', 'σύνοδος'] },
    });
    const read = await s.call('GET', `/threads/${id}`, reader);
    // Assess
    expect(body.keywords).toEqual(['Budapest', 'Будапешт']);
    expect(patched.status).toBe(200);
    expect(patched.body.keywords).toEqual(['Trump–Putin', 'саміт', 'Treffen', 'ΣΎΝΟΔΟΣ']);
    expect(patched.body.version).toBe(body.version + 1);
    expect(read.body.keywords).toEqual(['Trump–Putin', 'саміт', 'Treffen', 'ΣΎΝΟΔΟΣ']);
  });

  it('PATCH with the keywords the thread has changes nothing: the version stays', async () => {
    // Prepare
    const { id, body } = await newThread({ keywords: ['ceasefire'] });
    // Act
    const r = await s.call('PATCH', `/threads/${id}`, { body: { keywords: ['ceasefire '] } });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(body.version);
  });

  it.each([
    ['more than 30', Array.from({ length: 31 }, (_, i) => `k${i}`), 'keywords'],
    ['an empty one', ['ok', ''], 'keywords[1]'],
    ['a blank one', ['   '], 'keywords[0]'],
    ['one over 60 characters', ['x'.repeat(61)], 'keywords[0]'],
    ['a number', [7], 'keywords[0]'],
    ['not a list', 'budapest', 'keywords'],
  ])('400 for %s, naming the field', async (_what, keywords, path) => {
    // Prepare
    const { id } = await newThread();
    // Act
    const patch = await s.call('PATCH', `/threads/${id}`, { body: { keywords } });
    const create = await s.call('POST', '/threads', {
      body: {
        id: 'never',
        scenario: 'meta-desk',
        kind: 'summit',
        title: 'x',
        status: 'announced',
        summary: 'x',
        keywords,
      },
    });
    // Assess
    expect(patch.status).toBe(400);
    expect(paths(patch)).toEqual([path]);
    expect(create.status).toBe(400);
    expect(paths(create)).toEqual([path]);
  });

  it('30 keywords of 60 characters are accepted', async () => {
    // Prepare
    const { id } = await newThread();
    const keywords = Array.from({ length: 30 }, (_, i) => `${i}`.padStart(60, 'é'));
    // Act
    const r = await s.call('PATCH', `/threads/${id}`, { body: { keywords } });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.keywords).toEqual(keywords);
  });
});

describe('keywords on scenarios', () => {
  it('are [] by default, set at creation and with PATCH, shown in the scenario view', async () => {
    // Prepare
    const created = await s.call('POST', '/scenarios', {
      body: { id: 'kw-scenario', title: 'Peace plan', keywords: ['peace plan', 'мирний план', 'Peace Plan'] },
    });
    const plain = await s.call('POST', '/scenarios', { body: { id: 'kw-plain', title: 'Plain' } });
    // Act
    const patched = await s.call('PATCH', '/scenarios/kw-scenario', { body: { keywords: ['28 points'] } });
    const read = await s.call('GET', '/scenarios/kw-scenario', reader);
    // Assess
    expect(created.status).toBe(201);
    expect(created.body.keywords).toEqual(['peace plan', 'мирний план']);
    expect(plain.body.keywords).toEqual([]);
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(created.body.version + 1);
    expect(read.body.keywords).toEqual(['28 points']);
  });

  it('400 for a bad keyword, naming it', async () => {
    // Act
    const r = await s.call('PATCH', '/scenarios/kw-plain', { body: { keywords: ['ok', 'y'.repeat(61)] } });
    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(['keywords[1]']);
  });
});
