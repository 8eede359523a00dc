import { HEADLINES, type Headline } from '../support/matching-quality';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  // The seeded scenario (russia-ukraine-talks) and its four threads.
  s = await startTestServer();
});
afterAll(async () => s.close());

const SCENARIO = 'russia-ukraine-talks';
/** The AP's report of 8 August 2025, as carried by ktoo.org, and the same wire copy elsewhere. */
const AP = {
  scenario: SCENARIO,
  url: 'https://www.ktoo.org/2025/08/08/trump-sets-meeting-date-with-putin-in-alaska/',
  title: 'Trump sets meeting date with Putin in Alaska',
  summary:
    'President Donald Trump said Friday he will meet with Russian President Vladimir Putin on August 15 in Alaska, as the U.S. leader pushes to end the war in Ukraine.',
  publishedAt: '2025-08-08T20:00:00Z',
};
const push = (body: Record<string, unknown>) => s.call('POST', '/inbox', { body });
/** A fixture headline (test/fixtures/news/) as an entry is pushed. */
const pick = ({ url, title, summary, publishedAt, language }: Headline) => ({
  url,
  title,
  summary,
  publishedAt,
  language,
});

describe('POST /inbox', () => {
  it('makes an item with its outlet, language, date from the text and its matched thread', async () => {
    // Act
    const r = await push(AP);
    // Assess
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/inbox/${r.body.id}`);
    expect(Object.keys(r.body)).toEqual([
      'id',
      'scenario',
      'source',
      'url',
      'title',
      'summary',
      'language',
      'publishedAt',
      'firstSeenAt',
      'outlet',
      'duplicates',
      'matches',
      'state',
      'decidedAt',
      'decidedBy',
      'updateId',
    ]);
    expect(r.body).toMatchObject({
      scenario: SCENARIO,
      source: null,
      outlet: 'ktoo.org',
      language: 'en',
      publishedAt: '2025-08-08T20:00:00.000Z',
      duplicates: [],
      state: 'new',
      decidedAt: null,
      decidedBy: null,
      updateId: null,
    });
    expect(r.body.matches[0]).toEqual({
      threadId: 'trump-putin-meeting',
      score: expect.any(Number),
      suggestedStatus: 'scheduled',
      suggestedOccurredAt: '2025-08-15',
      suggestedPrecision: 'day',
    });
  });

  it('takes the publication date and the language from the text when none is given', async () => {
    // Act
    const uk = await push({
      scenario: SCENARIO,
      url: 'https://mail-bridge.example.net/2025/07/18/eu-sanctions',
      title: 'ЄС ухвалив 18-й пакет санкцій проти Росії 18 липня 2025 року',
    });
    const en = await push({
      scenario: SCENARIO,
      url: 'https://mail-bridge.example.net/2025/10/23/eu-sanctions',
      title: 'EU adopts 19th sanctions package against Russia on 23 October 2025',
      summary:
        'The package bans imports of Russian liquefied natural gas and lists more tankers of the shadow fleet.',
    });
    // Assess
    expect(uk.body).toMatchObject({
      language: 'uk',
      publishedAt: '2025-07-18T00:00:00.000Z',
      outlet: 'example.net',
    });
    expect(en.body).toMatchObject({ language: 'en', publishedAt: '2025-10-23T00:00:00.000Z' });
    expect(en.body.matches[0]).toMatchObject({
      threadId: 'sanctions',
      suggestedStatus: 'adopted',
      suggestedOccurredAt: '2025-10-23',
      suggestedPrecision: 'day',
    });
  });

  it('matches an item to none of the threads when it names nothing of the scenario’s keywords', async () => {
    // Prepare: Gaza's exchange of hostages for prisoners under its ceasefire shares the seeded
    // exchange and ceasefire threads' words, and names none of the scenario's (Russia, Kyiv, Putin…).
    const gaza = HEADLINES.find((h) => h.id === 'x-en-03')!;
    const ours = HEADLINES.find((h) => h.id === 'en-18')!;
    // Act
    const unrelated = await push({ scenario: SCENARIO, ...pick(gaza) });
    const related = await push({ scenario: SCENARIO, ...pick(ours) });
    // Assess
    expect(unrelated.body.matches).toEqual([]);
    expect(related.body.matches[0]).toMatchObject({
      threadId: 'prisoner-exchange',
      suggestedStatus: 'in_progress',
    });
  });

  it('answers the existing item for the same link written otherwise (host case, fragment, utm_*)', async () => {
    // Prepare
    const title = 'EU proposes 18th sanctions package against Russia';
    const first = await push({
      scenario: SCENARIO,
      url: 'https://www.pravda.com.ua/eng/news/2025/06/15/7517206/',
      title,
    });
    // Act
    const again = await push({
      scenario: SCENARIO,
      url: 'HTTPS://WWW.Pravda.com.ua/eng/news/2025/06/15/7517206/?utm_source=feed&utm_medium=rss#top',
      title,
    });
    // Assess
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.duplicates).toEqual([]);
  });

  it('adds a near copy from another outlet to the first item’s duplicates', async () => {
    // Prepare
    const original = await push({ ...AP, url: 'https://apnews.com/article/trump-putin-alaska-meeting-0815' });
    // Act
    const copy = await push({
      ...AP,
      url: 'https://www.wtop.com/national/2025/08/trump-sets-meeting-date-with-putin-in-alaska/',
      summary: `(AP) — ${AP.summary}`,
    });
    // Assess
    expect(copy.status).toBe(200);
    expect(copy.body.id).toBe(original.body.id);
    expect(copy.body.duplicates).toContain(
      'https://www.wtop.com/national/2025/08/trump-sets-meeting-date-with-putin-in-alaska/',
    );
  });

  it('refuses an unknown scenario (404), a reader (403) and a malformed body (400)', async () => {
    expect((await push({ ...AP, scenario: 'no-such-scenario' })).status).toBe(404);
    expect((await s.call('POST', '/inbox', { role: 'reader', body: AP })).status).toBe(403);
    const bad = await push({ ...AP, url: 'ftp://example.com/x', language: 'English' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['language', 'url']);
  });
});

describe('GET /inbox', () => {
  const scenario = 'inbox-list';
  const ids: string[] = [];
  beforeAll(async () => {
    await s.call('POST', '/threads', {
      body: {
        id: 'inbox-list-summit',
        scenario,
        kind: 'summit',
        title: 'Trump–Putin meeting in Budapest',
        status: 'announced',
        summary: 'Announced.',
      },
    });
    for (const [n, title] of [
      'Trump, Putin to hold meeting in Hungary after progress',
      'Liverpool win the Premier League title',
      "Putin on Trump's statements about Budapest meeting: likely just a postponement",
    ].entries())
      ids.push((await push({ scenario, url: `https://example.com/${n}`, title })).body.id);
  });

  it('lists new items newest first, with an ETag that answers 304', async () => {
    // Act
    const r = await s.call('GET', `/inbox?scenario=${scenario}`);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
    expect(r.body.nextToken).toBeNull();
    const again = await s.call('GET', `/inbox?scenario=${scenario}`, {
      headers: { 'If-None-Match': r.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  });

  it('pages with limit and nextToken', async () => {
    const first = await s.call('GET', `/inbox?scenario=${scenario}&limit=2`);
    const second = await s.call(
      'GET',
      `/inbox?scenario=${scenario}&limit=2&nextToken=${encodeURIComponent(first.body.nextToken)}`,
    );
    expect([...first.body.items, ...second.body.items].map((i: { id: string }) => i.id)).toEqual(
      [...ids].reverse(),
    );
    expect(second.body.nextToken).toBeNull();
  });

  it('filters by matched thread', async () => {
    const r = await s.call('GET', `/inbox?scenario=${scenario}&threadId=inbox-list-summit`);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[0]]);
  });

  it('is for editors, and needs a scenario', async () => {
    expect((await s.call('GET', `/inbox?scenario=${scenario}`, { role: 'reader' })).status).toBe(403);
    expect((await s.call('GET', '/inbox')).status).toBe(400);
  });
});

describe('POST /inbox/{id}/accept and /dismiss', () => {
  const scenario = 'inbox-decide';
  let n = 0;
  const thread = async () => {
    const id = `inbox-decide-${++n}`;
    await s.call('POST', '/threads', {
      body: {
        id,
        scenario,
        kind: 'sanctions',
        title: `EU sanctions package ${n} against Russia`,
        status: 'proposed',
        summary: 'Proposed.',
        occurredAt: '2025-06-10',
      },
    });
    return id;
  };
  const item = async (title: string) =>
    (
      await push({
        scenario,
        url: `https://www.example.org/${encodeURIComponent(title)}`,
        title,
        publishedAt: '2025-07-18T09:00:00Z',
      })
    ).body;

  it('posts an update with the item as its source and the suggested status, and marks the item accepted, together', async () => {
    // Prepare
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} against Russia`);
    // Act
    const r = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId } });
    // Assess
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['item', 'update', 'thread']);
    expect(r.body.update).toMatchObject({
      status: 'adopted',
      summary: it0.title,
      occurredAt: '2025-07-18T09:00:00.000Z',
      inboxItem: it0.id,
      sources: [
        { url: it0.url, title: it0.title, publisher: 'example.org', publishedAt: '2025-07-18T09:00:00.000Z' },
      ],
    });
    expect(r.body.thread).toMatchObject({ id: threadId, status: 'adopted' });
    expect(r.body.item).toMatchObject({
      id: it0.id,
      state: 'accepted',
      decidedBy: expect.any(String),
      updateId: r.body.update.id,
    });
    expect(r.headers.get('etag')).toBe(`"v${r.body.thread.version}"`);
    const stored = await s.call('GET', `/inbox?scenario=${scenario}&state=accepted`);
    expect(stored.body.items.map((i: { id: string }) => i.id)).toContain(it0.id);
  });

  it('takes the editor’s status, date and summary over the suggestions', async () => {
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n}`);
    const r = await s.call('POST', `/inbox/${it0.id}/accept`, {
      body: { threadId, status: null, occurredAt: '2025-07-17', summary: 'Agreed by ambassadors.' },
    });
    expect(r.body.update).toMatchObject({
      status: null,
      occurredAt: '2025-07-17T00:00:00.000Z',
      occurredPrecision: 'day',
      summary: 'Agreed by ambassadors.',
    });
  });

  it('answers 409 already_decided the second time, accepted or dismissed', async () => {
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} (again)`);
    await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId } });
    const twice = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId } });
    const dismissed = await s.call('POST', `/inbox/${it0.id}/dismiss`, { body: {} });
    expect([twice.status, twice.body.code, dismissed.status, dismissed.body.code]).toEqual([
      409,
      'already_decided',
      409,
      'already_decided',
    ]);
  });

  it('accepting may create a draft ({ draft: true }): held for a second editor, the item accepted with it, its update the item’s once published', async () => {
    // Prepare
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} against Russia, held for review`);
    const before = await s.call('GET', `/threads/${threadId}`);
    // Act
    const r = await s.call('POST', `/inbox/${it0.id}/accept`, {
      body: { threadId, status: 'adopted', draft: true },
    });
    // Assess: a draft with the item's defaults (its title, date and link), the thread as it was, the item accepted naming the draft
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['item', 'update', 'thread']);
    expect(r.body.update).toMatchObject({
      draft: true,
      threadId,
      status: 'adopted',
      summary: it0.title,
      occurredAt: '2025-07-18T09:00:00.000Z',
      inboxItem: it0.id,
      sources: [{ url: it0.url, publisher: 'example.org' }],
    });
    expect(r.headers.get('location')).toBe(`/threads/${threadId}/updates?drafts=true`);
    expect(r.body.thread).toEqual(before.body);
    expect(r.body.item).toMatchObject({ id: it0.id, state: 'accepted', updateId: r.body.update.id });
    const drafts = await s.call('GET', `/threads/${threadId}/updates?drafts=true`);
    expect(drafts.body.items.map((d: { id: string }) => d.id)).toEqual([r.body.update.id]);
    const accepted = await s.call('GET', `/inbox?scenario=${scenario}&state=accepted`);
    expect(accepted.body.items.find((i: { id: string }) => i.id === it0.id)?.updateId).toBe(r.body.update.id);
    // Act: published (the local server's editor token may publish its own drafts)
    const published = await s.call('POST', `/threads/${threadId}/updates/${r.body.update.id}/publish`);
    // Assess: the update is the item's, as one accepted directly is
    expect(published.status).toBe(201);
    expect(published.body.update).toMatchObject({
      status: 'adopted',
      inboxItem: it0.id,
      draftId: r.body.update.id,
    });
    expect(published.body.thread.status).toBe('adopted');
  });

  it('stores no draft when the item was decided meanwhile: the draft and the decision commit together', async () => {
    // Prepare: an item accepted already, then asked again as a draft
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} against Russia, asked twice`);
    await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId, draft: true } });
    // Act
    const again = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId, draft: true } });
    // Assess: 409, and one draft only
    expect([again.status, again.body.code]).toEqual([409, 'already_decided']);
    const drafts = await s.call('GET', `/threads/${threadId}/updates?drafts=true`);
    expect(drafts.body.items).toHaveLength(1);
  });

  it('writes nothing when the update is refused (If-Match, a status of another kind): the item stays new', async () => {
    // Prepare
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} after veto`);
    // Act
    const stale = await s.call('POST', `/inbox/${it0.id}/accept`, {
      body: { threadId },
      headers: { 'If-Match': '"v99"' },
    });
    const wrong = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId, status: 'held' } });
    // Assess
    expect([stale.status, wrong.status, wrong.body.code]).toEqual([412, 422, 'invalid_status']);
    const news = await s.call('GET', `/inbox?scenario=${scenario}`);
    expect(news.body.items.find((i: { id: string }) => i.id === it0.id)).toMatchObject({
      state: 'new',
      updateId: null,
    });
    const history = await s.call('GET', `/threads/${threadId}/updates`);
    expect(history.body.items).toHaveLength(1);
  });

  it('replays an acceptance with the same Idempotency-Key', async () => {
    const threadId = await thread();
    const it0 = await item(`EU adopts sanctions package ${n} today`);
    const headers = { 'Idempotency-Key': `accept-${it0.id}` };
    const first = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId }, headers });
    const replay = await s.call('POST', `/inbox/${it0.id}/accept`, { body: { threadId }, headers });
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
  });

  it('dismisses an item (200, with who and when), which then lists as dismissed', async () => {
    const it0 = await item('Liverpool win the Premier League title');
    const r = await s.call('POST', `/inbox/${it0.id}/dismiss`, { body: { reason: 'sport' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: it0.id,
      state: 'dismissed',
      decidedAt: expect.any(String),
      updateId: null,
    });
    const listed = await s.call('GET', `/inbox?scenario=${scenario}&state=dismissed`);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([it0.id]);
  });

  it('answers 404 for an unknown item', async () => {
    expect((await s.call('POST', '/inbox/inb_01K00000000000000000000000/dismiss', { body: {} })).status).toBe(
      404,
    );
  });
});

describe('status cues of a kind', () => {
  it('are set with PUT /kinds and suggest that kind’s statuses', async () => {
    // Prepare
    const kind = await s.call('PUT', '/kinds/grain_deal', {
      role: 'admin',
      body: {
        label: 'Grain deal',
        statuses: [
          { name: 'active', terminal: false },
          { name: 'suspended', terminal: false },
        ],
        cues: { suspended: ['suspends', 'pulls out of', 'зупини'] },
      },
    });
    await s.call('POST', '/threads', {
      body: {
        id: 'inbox-grain',
        scenario: 'inbox-cues',
        kind: 'grain_deal',
        title: 'Black Sea grain deal',
        status: 'active',
        summary: 'In force.',
      },
    });
    // Act
    const r = await push({
      scenario: 'inbox-cues',
      url: 'https://example.com/grain',
      title: 'Russia pulls out of the Black Sea grain deal',
    });
    // Assess
    expect(kind.status).toBe(201);
    expect(kind.body.cues).toEqual({ suspended: ['suspends', 'pulls out of', 'зупини'] });
    expect(r.body.matches[0]).toMatchObject({ threadId: 'inbox-grain', suggestedStatus: 'suspended' });
  });

  it('must name statuses of the kind', async () => {
    const r = await s.call('PUT', '/kinds/grain_deal_two', {
      role: 'admin',
      body: {
        label: 'Grain deal',
        statuses: [{ name: 'active', terminal: false }],
        cues: { lifted: ['lifts'] },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('cues');
  });
});
