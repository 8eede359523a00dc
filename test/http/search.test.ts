import { indexed } from '../support/context';
import { startTestServer, type TestServer } from '../support/server';
import { within } from '../support/within';

let s: TestServer;
const ids: Record<string, string> = {};
const thread = (id: string, scenario: string, title: string, summary: string, extra: object = {}) =>
  s.call('POST', '/threads', {
    body: {
      id,
      scenario,
      kind: 'summit',
      title,
      status: 'announced',
      summary,
      occurredAt: '2025-10-20',
      ...extra,
    },
  });
const update = async (name: string, id: string, body: object) =>
  (ids[name] = (
    await s.call('POST', `/threads/${id}/updates`, { body: { status: null, ...body } })
  ).body.update.id);

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
  // Prepare: threads in two scenarios, in Cyrillic and Latin, with diacritics, quotes and sources.
  await thread(
    'umerov-delegation',
    'search-desk',
    'Умеров leads the delegation',
    'Rustem Umerov heads the team.',
  );
  await thread(
    'zelenskyy-visit',
    'search-desk',
    'Zelenskyy visits Washington',
    'A visit to the White House.',
  );
  await thread('zelensky-spelling', 'search-desk', 'Zelensky in Kyiv', 'Another spelling of the name.');
  await thread('budapest-meeting', 'search-desk', 'Trump–Putin meeting in Budapest', 'A summit is planned.');
  await thread('elsewhere', 'search-other', 'Budapest elsewhere', 'The same city, another scenario.');
  await update('erdogan', 'budapest-meeting', {
    summary: 'Talks move on.',
    quotes: [{ speaker: 'Recep Tayyip Erdoğan', text: 'Türkiye stands ready to host.' }],
    sources: [{ url: 'https://example.org/a', title: 'Ceasefire hopes in İstanbul' }],
  });
  await update('cancelled', 'budapest-meeting', {
    summary: 'The White House says the Budapest meeting is cancelled.',
  });
  await s.call('POST', `/threads/budapest-meeting/updates/${ids.cancelled}/retraction`, {
    body: { reason: 'Misattributed.' },
  });
  for (let i = 1; i <= 5; i++) await thread(`paging-${i}`, 'search-pages', `Ceasefire draft ${i}`, 'Paging.');
  // The next search sees everything committed so far (not a wait for the views' refresh).
  indexed(s.ctx);
});
afterAll(async () => s.close());

const search = async (query: string, role: 'reader' | 'editor' = 'reader') =>
  s.call('GET', `/search?${query}`, { role });
const found = (body: { items: { threadId: string; updateId?: string }[] }) =>
  body.items.map((i) => (i.updateId ? `${i.threadId}/${i.updateId}` : i.threadId));

describe('GET /search', () => {
  it('finds a Cyrillic word whatever its case: Умеров finds умеров', async () => {
    // Act
    const r = await search(`q=${encodeURIComponent('умеров')}&scenario=search-desk`);
    // Assess
    expect(r.status).toBe(200);
    expect(found(r.body)).toContain('umerov-delegation');
    expect(r.body.items.find((i: { threadId: string }) => i.threadId === 'umerov-delegation')).toMatchObject({
      type: 'thread',
      snippet: 'Умеров leads the delegation',
    });
  });

  it('ignores diacritics in quotes and source titles: erdogan, istanbul and turkiye find an update', async () => {
    for (const q of ['erdogan', 'ISTANBUL', 'turkiye']) {
      // Act
      const r = await search(`q=${q}`);
      // Assess
      expect(r.status).toBe(200);
      expect(r.body.items).toEqual([
        expect.objectContaining({
          type: 'update',
          threadId: 'budapest-meeting',
          updateId: ids.erdogan,
          retracted: false,
        }),
      ]);
    }
  });

  it('compares whole words: Zelenskyy and Zelensky are two words', async () => {
    // Act
    const long = await search('q=Zelenskyy&scenario=search-desk');
    const short = await search('q=zelensky&scenario=search-desk');
    // Assess
    expect(found(long.body)).toEqual(['zelenskyy-visit']);
    expect(found(short.body)).toEqual(['zelensky-spelling']);
  });

  it('needs every word, and ranks a word in the title above one in a summary', async () => {
    // Act
    const r = await search('q=budapest%20meeting&scenario=search-desk');
    // Assess: the thread (title) first, then the retracted update (summary), marked.
    expect(found(r.body)).toEqual(['budapest-meeting', `budapest-meeting/${ids.cancelled}`]);
    expect(r.body.items[0].score).toBeGreaterThan(r.body.items[1].score);
    expect(r.body.items[1]).toMatchObject({ type: 'update', retracted: true });
    expect(r.body.items[1].snippet).toContain('Budapest meeting is cancelled');
  });

  it('keeps to the scenario asked for, and searches every scenario without one', async () => {
    // Act
    const desk = await search('q=budapest&scenario=search-desk');
    const all = await search('q=budapest');
    // Assess
    expect(found(desk.body)).not.toContain('elsewhere');
    expect(found(all.body)).toContain('elsewhere');
    expect(all.body.items.find((i: { threadId: string }) => i.threadId === 'elsewhere').scenario).toBe(
      'search-other',
    );
  });

  it('pages best first with nextToken, every match once', async () => {
    // Act
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: { items: { threadId: string }[]; nextToken: string | null } } =
        await search(
          `q=ceasefire%20draft&scenario=search-pages&limit=2${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
        );
      expect(r.status).toBe(200);
      seen.push(...found(r.body));
      token = r.body.nextToken;
      pages++;
    } while (token && pages < 10);
    // Assess
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(['paging-1', 'paging-2', 'paging-3', 'paging-4', 'paging-5']);
  });

  it('pages tied matches across scenarios by scenario, then thread, each once', async () => {
    // Prepare: four threads with the same text (the same score) in two scenarios, their ids in
    // another order than their scenarios'.
    const scenarioOf = {
      'tie-1': 'search-tie-b',
      'tie-2': 'search-tie-a',
      'tie-3': 'search-tie-b',
      'tie-4': 'search-tie-a',
    };
    for (const [id, scenario] of Object.entries(scenarioOf))
      await thread(id, scenario, 'Armistice draft', 'Paging.');
    indexed(s.ctx);
    // Act: pages of one, across scenarios, each from the token of the one before.
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: { items: { threadId: string }[]; nextToken: string | null } } =
        await search(`q=armistice&limit=1${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...found(r.body));
      token = r.body.nextToken;
      pages++;
    } while (token && pages < 10);
    // Assess: ties go by scenario, then thread (the order of a word's list), every match once.
    expect(seen).toEqual(['tie-2', 'tie-4', 'tie-1', 'tie-3']);
  });

  it('resumes a page after its last result: a better match written between pages repeats nothing', async () => {
    // Prepare
    for (let i = 1; i <= 4; i++) await thread(`resume-${i}`, 'search-resume', `Truce draft ${i}`, 'Paging.');
    indexed(s.ctx);
    const first = await search('q=truce&scenario=search-resume&limit=2');
    // A new match that ranks first (the word twice in a short title) arrives before the next page.
    await thread('resume-0', 'search-resume', 'Truce truce', 'Paging.');
    indexed(s.ctx);
    // Act
    const second = await search(
      `q=truce&scenario=search-resume&limit=2&nextToken=${encodeURIComponent(first.body.nextToken)}`,
    );
    // Assess: the second page goes on after the first page's last result, none of it again.
    expect(found(first.body)).toHaveLength(2);
    expect(found(second.body)).toHaveLength(2);
    expect(found(second.body).filter((id) => found(first.body).includes(id))).toEqual([]);
    expect(found((await search('q=truce&scenario=search-resume&limit=1')).body)).toEqual(['resume-0']);
  });

  it('finds a write within 5 seconds, by the views’ own refresh (no test hook)', async () => {
    // Prepare: the views read just now.
    await search('q=kharkiv');
    // Act
    await update('fresh', 'zelensky-spelling', { summary: 'Freshly reported: Kharkiv talks.' });
    const r = await within(
      5_000,
      () => search('q=kharkiv'),
      (x) => x.body.items.length >= 2,
    );
    // Assess: the thread's summary is its latest update's, so the thread is found too.
    expect(found(r.body).sort()).toEqual([`zelensky-spelling/${ids.fresh}`, 'zelensky-spelling'].sort());
  });

  it('follows an amendment: the old word is no longer found, the new one is', async () => {
    // Prepare
    await update('amended', 'zelenskyy-visit', { summary: 'Talks in Geneva.' });
    await s.call('PATCH', `/threads/zelenskyy-visit/updates/${ids.amended}`, {
      body: { summary: 'Talks in Riyadh.' },
    });
    indexed(s.ctx);
    // Act
    const old = await search('q=geneva');
    const now = await search('q=riyadh');
    // Assess
    expect(found(old.body)).toEqual([]);
    expect(found(now.body).sort()).toEqual([`zelenskyy-visit/${ids.amended}`, 'zelenskyy-visit'].sort());
  });

  it('follows a thread moved to another scenario, its updates too', async () => {
    // Prepare
    await thread('moving', 'search-desk', 'Moldova talks', 'Talks begin.');
    await update('chisinau', 'moving', { summary: 'A round in Chisinau.' });
    indexed(s.ctx);
    // Act
    const moved = await s.call('PATCH', '/threads/moving', { body: { scenario: 'search-other' } });
    indexed(s.ctx);
    const before = await search('q=chisinau&scenario=search-desk');
    const after = await search('q=chisinau&scenario=search-other');
    // Assess
    expect(moved.status).toBe(200);
    expect(found(before.body)).toEqual([]);
    expect(found(after.body).sort()).toEqual([`moving/${ids.chisinau}`, 'moving'].sort());
  });

  it('finds a draft only for an editor who asks (drafts=true), marked; published, for everyone; discarded, for nobody', async () => {
    // Prepare: two drafts with a word no other document holds.
    const drafted = async (summary: string) =>
      (
        await s.call('POST', '/threads/budapest-meeting/updates', {
          body: { status: null, summary, occurredAt: '2025-10-23', draft: true },
        })
      ).body.update.id as string;
    const kept = await drafted('Wire: Sochi summit agreed.');
    const dropped = await drafted('Wire: Sochi venue changed.');
    // Act
    const asked = await search('q=sochi&drafts=true', 'editor');
    const notAsked = await search('q=sochi', 'editor');
    const reader = await search('q=sochi');
    const published = await s.call('POST', `/threads/budapest-meeting/updates/${kept}/publish`, { body: {} });
    const discarded = await s.call('DELETE', `/threads/budapest-meeting/updates/${dropped}`);
    indexed(s.ctx);
    const afterwards = await search('q=sochi&drafts=true', 'editor');
    const afterwardsReader = await search('q=sochi');
    // Assess
    expect(
      asked.body.items.map((i: { updateId: string; draft: boolean }) => [i.updateId, i.draft]).sort(),
    ).toEqual(
      [
        [kept, true],
        [dropped, true],
      ].sort(),
    );
    expect(notAsked.body.items).toEqual([]);
    expect(reader.body.items).toEqual([]);
    expect([published.status, discarded.status]).toEqual([201, 204]);
    const publishedId = published.body.update.id as string;
    expect(afterwards.body.items).toEqual([expect.objectContaining({ updateId: publishedId, draft: false })]);
    expect(found(afterwardsReader.body)).toContain(`budapest-meeting/${publishedId}`);
  });

  it('answers 400 to an empty, too long or wordless q, and 403 to drafts=true from a reader', async () => {
    expect((await search('q=')).status).toBe(400);
    expect((await search(`q=${'a'.repeat(201)}`)).status).toBe(400);
    expect((await search('q=%E2%80%94%21')).status).toBe(400);
    expect((await search('scenario=search-desk')).status).toBe(400);
    expect((await search('q=budapest&drafts=true')).status).toBe(403);
    expect((await search('q=budapest&drafts=true', 'editor')).status).toBe(200);
  });
});
