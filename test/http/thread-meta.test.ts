import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.2: `keywords` on threads and scenarios (the Matches bullet of "Sources and the news inbox"). */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
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

describe('criteria and clarifications', () => {
  it('are null by default, set at creation and with PATCH, shown in the thread view', async () => {
    // Prepare
    const plain = await newThread();
    const { id, body } = await newThread({ criteria: 'agreed: both governments confirm.' });
    // Act
    const patched = await s.call('PATCH', `/threads/${id}`, {
      body: { criteria: 'agreed: both governments confirm; a wire report alone does not count.' },
    });
    const read = await s.call('GET', `/threads/${id}`, reader);
    // Assess
    expect(plain.body.criteria).toBeNull();
    expect(body.criteria).toBe('agreed: both governments confirm.');
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(body.version + 1);
    expect(read.body.criteria).toBe('agreed: both governments confirm; a wire report alone does not count.');
  });

  it('GET /threads/{id}/criteria lists every text, oldest first, dated and signed by the token name; a cleared text is null', async () => {
    // Prepare
    const { id } = await newThread({ criteria: 'First.' });
    await s.call('PATCH', `/threads/${id}`, { body: { criteria: 'Second.' } });
    await s.call('PATCH', `/threads/${id}`, { body: { criteria: null } });
    // Act
    const r = await s.call('GET', `/threads/${id}/criteria`, reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBeTruthy();
    expect(r.body.items.map((i: { revision: number; text: string | null }) => [i.revision, i.text])).toEqual([
      [1, 'First.'],
      [2, 'Second.'],
      [3, null],
    ]);
    for (const item of r.body.items) {
      expect(item.recordedBy).toBe('local-editor');
      expect(item.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const times = r.body.items.map((i: { recordedAt: string }) => i.recordedAt);
    expect([...times].sort()).toEqual(times);
  });

  it('the same criteria again is no clarification: no revision, the version stays', async () => {
    // Prepare
    const { id, body } = await newThread({ criteria: 'Same.' });
    // Act
    const r = await s.call('PATCH', `/threads/${id}`, { body: { criteria: 'Same.' } });
    const list = await s.call('GET', `/threads/${id}/criteria`, reader);
    // Assess
    expect(r.body.version).toBe(body.version);
    expect(list.body.items).toHaveLength(1);
  });

  it('a thread that never had criteria lists none; an unknown thread is 404', async () => {
    // Prepare
    const { id } = await newThread();
    // Act
    const none = await s.call('GET', `/threads/${id}/criteria`, reader);
    const missing = await s.call('GET', '/threads/no-such-thread/criteria', reader);
    // Assess
    expect(none.body).toEqual({ items: [] });
    expect(missing.status).toBe(404);
  });

  it('a knownAt view shows the criteria as known then', async () => {
    // Prepare
    const { id } = await newThread();
    await s.call('PATCH', `/threads/${id}`, { body: { criteria: 'Before the clarification.' } });
    await s.call('PATCH', `/threads/${id}`, { body: { criteria: 'After the clarification.' } });
    const [first, second] = (await s.call('GET', `/threads/${id}/criteria`, reader)).body.items;
    const created = (await s.call('GET', `/threads/${id}`, reader)).body.createdAt;
    const view = async (knownAt: string) =>
      (await s.call('GET', `/threads/${id}?knownAt=${encodeURIComponent(knownAt)}`, reader)).body.criteria;
    // Act and assess
    expect(await view(created)).toBeNull();
    expect(await view(first.recordedAt)).toBe('Before the clarification.');
    expect(await view(second.recordedAt)).toBe('After the clarification.');
  });

  it.each([
    ['over 2000 characters', 'x'.repeat(2001)],
    ['empty', ''],
    ['not a string', 42],
  ])('400 for criteria %s, naming the field', async (_what, criteria) => {
    // Prepare
    const { id } = await newThread();
    // Act
    const r = await s.call('PATCH', `/threads/${id}`, { body: { criteria } });
    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(['criteria']);
  });

  it('2000 characters of criteria are accepted', async () => {
    // Prepare
    const { id } = await newThread();
    // Act
    const r = await s.call('PATCH', `/threads/${id}`, { body: { criteria: 'é'.repeat(2000) } });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.criteria).toHaveLength(2000);
  });
});

describe('key events', () => {
  /** A thread of its own scenario with a status change, a note and another change, in occurred order. */
  const story = async (scenario: string) => {
    const id = `${scenario}-t`;
    await s.call('POST', '/threads', {
      body: {
        id,
        scenario,
        kind: 'summit',
        title: 'Budapest',
        status: 'announced',
        summary: 'Announced.',
        occurredAt: '2025-10-16',
      },
    });
    const post = async (body: Record<string, unknown>) =>
      (await s.call('POST', `/threads/${id}/updates`, { body })).body.update.id as string;
    const note = await post({
      status: null,
      summary: 'Kremlin: a postponement.',
      occurredAt: '2025-10-22T10:00:00Z',
    });
    const change = await post({
      status: 'cancelled',
      summary: 'US: cancelled.',
      occurredAt: '2025-10-22T12:00:00Z',
    });
    const later = await post({ status: 'scheduled', summary: 'Back on.', occurredAt: '2025-11-01' });
    return { id, note, change, later };
  };

  it('updates show key false by default; PATCH { key: true } marks one: one version on, no new revision, the same flag again changes nothing', async () => {
    // Prepare
    const { id, change } = await story('key-flag');
    const before = (await s.call('GET', `/threads/${id}`, reader)).body;
    // Act
    const unmarked = await s.call('GET', `/threads/${id}/updates/${change}`, reader);
    const marked = await s.call('PATCH', `/threads/${id}/updates/${change}`, { body: { key: true } });
    const again = await s.call('PATCH', `/threads/${id}/updates/${change}`, { body: { key: true } });
    const read = await s.call('GET', `/threads/${id}/updates/${change}`, reader);
    // Assess
    expect(unmarked.body.key).toBe(false);
    expect(marked.status).toBe(200);
    expect(marked.body.update).toMatchObject({ key: true, revisionCount: 0, summary: 'US: cancelled.' });
    expect(marked.body.thread.version).toBe(before.version + 1);
    expect(marked.body.thread.summary).toBe(before.summary);
    expect(again.body.thread.version).toBe(before.version + 1);
    expect(read.body.key).toBe(true);
  });

  it('a key flag and a new wording together: the flag is kept and the wording is a revision', async () => {
    // Prepare
    const { id, note } = await story('key-reword');
    // Act
    const r = await s.call('PATCH', `/threads/${id}/updates/${note}`, {
      body: { key: true, summary: 'Kremlin: a postponement, not a cancellation.' },
    });
    const unflagged = await s.call('PATCH', `/threads/${id}/updates/${note}`, { body: { key: false } });
    // Assess
    expect(r.body.update).toMatchObject({ key: true, revisionCount: 1 });
    expect(unflagged.body.update).toMatchObject({ key: false, revisionCount: 1 });
  });

  it('400 when key is not a boolean', async () => {
    // Prepare
    const { id, note } = await story('key-bad');
    // Act
    const r = await s.call('PATCH', `/threads/${id}/updates/${note}`, { body: { key: 'yes' } });
    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)).toEqual(['key']);
  });

  it('GET /scenarios/{id}/timeline?key=true lists only key events, status changes or not; the default timeline is unchanged and shows the flag', async () => {
    // Prepare
    const { id, note, change } = await story('key-timeline');
    await s.call('PATCH', `/threads/${id}/updates/${note}`, { body: { key: true } });
    await s.call('PATCH', `/threads/${id}/updates/${change}`, { body: { key: true } });
    // Act
    const keyOnly = await s.call('GET', '/scenarios/key-timeline/timeline?key=true', reader);
    const all = await s.call('GET', '/scenarios/key-timeline/timeline', reader);
    // Assess
    expect(keyOnly.status).toBe(200);
    expect(
      keyOnly.body.items.map(
        (i: { updateId: string; status: string | null; previousStatus: string | null; key: boolean }) => [
          i.updateId,
          i.previousStatus,
          i.status,
          i.key,
        ],
      ),
    ).toEqual([
      [note, 'announced', null, true],
      [change, 'announced', 'cancelled', true],
    ]);
    expect(all.body.items.map((i: { status: string; key: boolean }) => [i.status, i.key])).toEqual([
      ['announced', false],
      ['cancelled', true],
      ['scheduled', false],
    ]);
  });

  it('the key timeline pages with nextToken, and a token of one view is refused by the other', async () => {
    // Prepare
    const { id, note, change, later } = await story('key-pages');
    for (const u of [note, change, later])
      await s.call('PATCH', `/threads/${id}/updates/${u}`, { body: { key: true } });
    // Act
    const first = await s.call('GET', '/scenarios/key-pages/timeline?key=true&limit=2', reader);
    const second = await s.call(
      'GET',
      `/scenarios/key-pages/timeline?key=true&limit=2&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    const crossed = await s.call(
      'GET',
      `/scenarios/key-pages/timeline?limit=2&nextToken=${encodeURIComponent(first.body.nextToken)}`,
      reader,
    );
    // Assess
    expect([...first.body.items, ...second.body.items].map((i: { updateId: string }) => i.updateId)).toEqual([
      note,
      change,
      later,
    ]);
    expect(second.body.nextToken).toBeNull();
    expect(crossed.status).toBe(400);
  });

  it('Atom entries of key events carry <category term="key"/>, others none', async () => {
    // Prepare
    const { id, change } = await story('key-feed');
    await s.call('PATCH', `/threads/${id}/updates/${change}`, { body: { key: true } });
    // Act
    const thread = await s.call('GET', `/threads/${id}/feed.atom`, reader);
    const scenario = await s.call('GET', '/scenarios/key-feed/feed.atom', reader);
    // Assess
    for (const feed of [thread.text, scenario.text]) {
      const entries = feed.split('<entry>').slice(1);
      const keyed = entries.filter((e) => e.includes('<category term="key"/>'));
      expect(entries).toHaveLength(4);
      expect(keyed).toHaveLength(1);
      expect(keyed[0]).toContain(`urn:scenario-tracker:update:${change}`);
    }
  });
});
