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

  it('Duplicates: an entry whose canonical URL (scheme and host lower-cased, fragment and utm_* dropped) is an item’s is not a new item: 200 with that item, its URL added to duplicates once', async () => {
    // Prepare
    const title = 'EU proposes 18th sanctions package against Russia';
    const url = 'https://www.pravda.com.ua/eng/news/2025/06/15/7517206/';
    const spelling =
      'HTTPS://WWW.Pravda.com.ua/eng/news/2025/06/15/7517206/?utm_source=feed&utm_medium=rss#top';
    const first = await push({ scenario: SCENARIO, url, title });
    // Act
    const again = await push({ scenario: SCENARIO, url: spelling, title });
    const thrice = await push({ scenario: SCENARIO, url: spelling, title });
    const same = await push({ scenario: SCENARIO, url, title });
    // Assess
    expect(first.status).toBe(201);
    expect([again.status, thrice.status, same.status]).toEqual([200, 200, 200]);
    expect([again.body.id, thrice.body.id, same.body.id]).toEqual([
      first.body.id,
      first.body.id,
      first.body.id,
    ]);
    expect(again.body.duplicates).toEqual([spelling]);
    expect(same.body).toEqual(again.body);
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

  it('honours Idempotency-Key like any POST: a repeat replays the first 201 (same body) with Idempotent-Replayed: true, not a 200 duplicate', async () => {
    // Prepare
    const body = {
      scenario: SCENARIO,
      url: 'https://example.org/pushed-once',
      title: 'Talks to resume in Geneva',
    };
    const headers = { 'Idempotency-Key': 'push-once' };
    // Act: the item gains a duplicate between the first request and its repeat
    const first = await s.call('POST', '/inbox', { body, headers });
    const spelled = await s.call('POST', '/inbox', { body: { ...body, url: `${body.url}#again` } });
    const again = await s.call('POST', '/inbox', { body, headers });
    const plain = await s.call('POST', '/inbox', { body });
    // Assess
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.text).toBe(first.text);
    expect([plain.status, plain.body.id]).toEqual([200, first.body.id]);
    expect(spelled.body.duplicates).toEqual([`${body.url}#again`]);
  });

  it('refuses an unknown scenario (404), a reader (403) and a malformed body (400)', async () => {
    expect((await push({ ...AP, scenario: 'no-such-scenario' })).status).toBe(404);
    expect((await s.call('POST', '/inbox', { role: 'reader', body: AP })).status).toBe(403);
    const bad = await push({ ...AP, url: 'ftp://example.com/x', language: 'English' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['language', 'url']);
  });
});

describe('matches follow the threads as they are now', () => {
  const scenario = 'inbox-fresh';
  const thread = (id: string, title: string) =>
    s.call('POST', '/threads', {
      body: { id, scenario, kind: 'other', title, status: 'active', summary: `${title}.` },
    });

  it("Matches: the scenario's non-archived threads — a thread made or archived just now counts at the next arrival", async () => {
    // Prepare: an arrival that builds the scenario's index before the grain thread exists
    await thread('inbox-fresh-alaska', 'Alaska summit between Trump and Putin');
    const before = await push({
      scenario,
      url: 'https://example.com/alaska',
      title: 'Trump and Putin meet in Alaska',
    });
    await thread('inbox-fresh-grain', 'Black Sea grain corridor');
    // Act
    const made = await push({
      scenario,
      url: 'https://example.com/grain-1',
      title: 'Black Sea grain corridor reopens',
    });
    const archived = await s.call('PATCH', '/threads/inbox-fresh-grain', { body: { archived: true } });
    const after = await push({
      scenario,
      url: 'https://example.com/grain-2',
      title: 'Ships use the Black Sea grain corridor',
    });
    // Assess
    expect(before.body.matches.map((m: { threadId: string }) => m.threadId)).toEqual(['inbox-fresh-alaska']);
    expect(made.body.matches[0]).toMatchObject({ threadId: 'inbox-fresh-grain' });
    expect(archived.status).toBe(200);
    expect(after.body.matches.map((m: { threadId: string }) => m.threadId)).not.toContain(
      'inbox-fresh-grain',
    );
  });

  it('Matching uses the thread’s keywords: keywords set with PATCH count at the next arrival', async () => {
    // Prepare
    await thread('inbox-fresh-talks', 'Direct talks in Istanbul');
    const unmatched = await push({
      scenario,
      url: 'https://example.com/memorandum-1',
      title: 'Memorandum drafts exchanged',
    });
    // Act
    const patched = await s.call('PATCH', '/threads/inbox-fresh-talks', {
      body: { keywords: ['memorandum', 'drafts'] },
    });
    const matched = await push({
      scenario,
      url: 'https://example.com/memorandum-2',
      title: 'Memorandum drafts compared',
    });
    // Assess
    expect(patched.status).toBe(200);
    expect(unmatched.body.matches.map((m: { threadId: string }) => m.threadId)).not.toContain(
      'inbox-fresh-talks',
    );
    expect(matched.body.matches[0]).toMatchObject({ threadId: 'inbox-fresh-talks' });
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

describe('contract 1.2 rules of the inbox, one by one', () => {
  const summit = async (id: string, scenario: string, title: string) => {
    const r = await s.call('POST', '/threads', {
      body: {
        id,
        scenario,
        kind: 'summit',
        title,
        status: 'announced',
        summary: 'Announced.',
        occurredAt: '2025-08-01',
      },
    });
    expect(r.status).toBe(201);
    return id;
  };
  const wire =
    'President Donald Trump said Friday he will meet with Russian President Vladimir Putin in Alaska, as the U.S. leader pushes to end the war in Ukraine.';

  it("POST /inbox/{id}/accept: the item's URL and its duplicates are the update's sources, and a duplicate is never a second outlet", async () => {
    // Prepare: an item and its syndicated copy at another outlet
    const scenario = 'inbox-rule-sources';
    const threadId = await summit('inbox-rule-sources-alaska', scenario, 'Trump–Putin summit in Alaska');
    const item = await push({
      scenario,
      url: 'https://apnews.com/article/alaska-1',
      title: 'Trump to meet Putin in Alaska',
      summary: wire,
    });
    const copy = await push({
      scenario,
      url: 'https://www.wtop.com/national/2025/08/alaska-1/',
      title: 'Trump to meet Putin in Alaska',
      summary: `(AP) — ${wire}`,
    });
    // Act
    const r = await s.call('POST', `/inbox/${item.body.id}/accept`, {
      body: { threadId, status: 'scheduled' },
    });
    // Assess
    expect([item.status, copy.status, copy.body.id]).toEqual([201, 200, item.body.id]);
    expect(r.status).toBe(201);
    expect(r.body.update.sources.map((x: { url: string }) => x.url)).toEqual([
      'https://apnews.com/article/alaska-1',
      'https://www.wtop.com/national/2025/08/alaska-1/',
    ]);
    expect(r.body.thread.corroboration).toEqual({ outlets: ['apnews.com'], count: 1 });
    const listed = await s.call('GET', `/threads?scenario=${scenario}&corroborated=false`, {
      role: 'reader',
    });
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([threadId]);
  });

  it('POST /inbox/{id}/accept defaults: occurredAt the match’s suggested date at its precision, status the suggestion, summary the title', async () => {
    // Prepare: the AP's 8 August report names 15 August
    const scenario = 'inbox-rule-suggested';
    const threadId = await summit('inbox-rule-suggested-alaska', scenario, 'Trump–Putin meeting in Alaska');
    const item = await push({ ...AP, scenario, url: 'https://www.ktoo.org/2025/08/08/alaska-suggested/' });
    const match = item.body.matches.find((m: { threadId: string }) => m.threadId === threadId);
    // Act
    const r = await s.call('POST', `/inbox/${item.body.id}/accept`, { body: { threadId } });
    // Assess
    expect(match).toMatchObject({
      suggestedStatus: 'scheduled',
      suggestedOccurredAt: '2025-08-15',
      suggestedPrecision: 'day',
    });
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({
      status: 'scheduled',
      occurredAt: '2025-08-15T00:00:00.000Z',
      occurredPrecision: 'day',
      summary: AP.title,
      inboxItem: item.body.id,
    });
  });

  it('A suggested date in the future is never used as a default occurredAt: publishedAt instead', async () => {
    // Prepare: a report published in 2025 of a meeting set for 2030
    const scenario = 'inbox-rule-future';
    const threadId = await summit('inbox-rule-future-alaska', scenario, 'Trump–Putin meeting in Alaska');
    const item = await push({
      scenario,
      url: 'https://example.org/alaska-2030',
      title: 'Trump and Putin will meet in Alaska on 15 August 2030',
      publishedAt: '2025-08-08T20:00:00Z',
    });
    const match = item.body.matches.find((m: { threadId: string }) => m.threadId === threadId);
    // Act
    const r = await s.call('POST', `/inbox/${item.body.id}/accept`, { body: { threadId } });
    // Assess
    expect(match).toMatchObject({ suggestedOccurredAt: '2030-08-15', suggestedPrecision: 'day' });
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({
      occurredAt: '2025-08-08T20:00:00.000Z',
      occurredPrecision: 'instant',
    });
  });

  it('POST /inbox/{id}/accept defaults: a note when the item suggests no status for the thread, occurredAt now when there is no date at all', async () => {
    // Prepare: an item about something else, with no date given or in its text
    const scenario = 'inbox-rule-note';
    const threadId = await summit('inbox-rule-note-alaska', scenario, 'Trump–Putin meeting in Alaska');
    const item = await push({
      scenario,
      url: 'https://example.org/football',
      title: 'Liverpool win the Premier League title',
    });
    const before = Date.now();
    // Act
    const r = await s.call('POST', `/inbox/${item.body.id}/accept`, { body: { threadId } });
    // Assess
    expect([item.body.matches, item.body.publishedAt]).toEqual([[], null]);
    expect(r.status).toBe(201);
    expect(r.body.update).toMatchObject({ status: null, summary: 'Liverpool win the Premier League title' });
    const at = Date.parse(r.body.update.occurredAt);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(r.body.thread.status).toBe('announced');
  });

  it('POST /inbox/{id}/accept posts exactly as POST /threads/{id}/updates would: an unknown thread is 404 and the item stays new', async () => {
    // Prepare
    const item = await push({
      scenario: SCENARIO,
      url: 'https://example.org/unknown',
      title: 'Talks resume',
    });
    // Act
    const r = await s.call('POST', `/inbox/${item.body.id}/accept`, { body: { threadId: 'no-such-thread' } });
    // Assess
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
    const listed = await s.call('GET', `/inbox?scenario=${SCENARIO}&state=new`);
    expect(listed.body.items.find((i: { id: string }) => i.id === item.body.id)).toMatchObject({
      state: 'new',
      updateId: null,
    });
  });

  it('deciding an item twice is 409 already_decided: a dismissed item can be neither accepted nor dismissed again', async () => {
    // Prepare
    const scenario = 'inbox-rule-twice';
    const threadId = await summit('inbox-rule-twice-alaska', scenario, 'Trump–Putin meeting in Alaska');
    const item = await push({
      scenario,
      url: 'https://example.org/twice',
      title: 'Trump and Putin to meet in Alaska',
    });
    const dismissed = await s.call('POST', `/inbox/${item.body.id}/dismiss`, { body: {} });
    // Act
    const accept = await s.call('POST', `/inbox/${item.body.id}/accept`, { body: { threadId } });
    const again = await s.call('POST', `/inbox/${item.body.id}/dismiss`, { body: { reason: 'twice' } });
    // Assess
    expect(dismissed.status).toBe(200);
    expect([accept.status, accept.body.code, again.status, again.body.code]).toEqual([
      409,
      'already_decided',
      409,
      'already_decided',
    ]);
    expect((await s.call('GET', `/threads/${threadId}/updates`)).body.items).toHaveLength(1);
  });

  it('POST /inbox/{id}/dismiss honours Idempotency-Key like any POST: a repeat replays the first 200 (Idempotent-Replayed: true), not a 409; another body is 422', async () => {
    // Prepare
    const item = await push({
      scenario: SCENARIO,
      url: 'https://example.org/dismiss-once',
      title: 'Cup final tonight',
    });
    const headers = { 'Idempotency-Key': `dismiss-${item.body.id}` };
    // Act
    const first = await s.call('POST', `/inbox/${item.body.id}/dismiss`, {
      body: { reason: 'sport' },
      headers,
    });
    const again = await s.call('POST', `/inbox/${item.body.id}/dismiss`, {
      body: { reason: 'sport' },
      headers,
    });
    const other = await s.call('POST', `/inbox/${item.body.id}/dismiss`, {
      body: { reason: 'other' },
      headers,
    });
    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: item.body.id, state: 'dismissed' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_mismatch']);
  });

  it('GET /inbox: state defaults to new — accepted and dismissed items are listed only when asked for', async () => {
    // Prepare
    const scenario = 'inbox-rule-state';
    const threadId = await summit('inbox-rule-state-alaska', scenario, 'Trump–Putin meeting in Alaska');
    const kept = await push({
      scenario,
      url: 'https://example.org/state-1',
      title: 'Trump and Putin to meet in Alaska',
    });
    const accepted = await push({
      scenario,
      url: 'https://example.org/state-2',
      title: 'Putin confirms Alaska meeting with Trump',
    });
    const dismissed = await push({
      scenario,
      url: 'https://example.org/state-3',
      title: 'Liverpool win the Premier League title',
    });
    await s.call('POST', `/inbox/${accepted.body.id}/accept`, { body: { threadId } });
    await s.call('POST', `/inbox/${dismissed.body.id}/dismiss`, { body: {} });
    // Act
    const ids = async (query: string) =>
      (await s.call('GET', `/inbox?scenario=${scenario}${query}`)).body.items.map(
        (i: { id: string }) => i.id,
      );
    // Assess
    expect(await ids('')).toEqual([kept.body.id]);
    expect(await ids('&state=new')).toEqual([kept.body.id]);
    expect(await ids('&state=accepted')).toEqual([accepted.body.id]);
    expect(await ids('&state=dismissed')).toEqual([dismissed.body.id]);
  });

  it.each([
    ['state=old', 'state'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['nextToken=garbage', 'nextToken'],
  ])('GET /inbox refuses %s with 400 validation_error naming the parameter', async (query, path) => {
    // Act
    const r = await s.call('GET', `/inbox?scenario=${SCENARIO}&${query}`);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_error');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it('Outlet is the registrable domain of the URL by the Public Suffix List: news.bbc.co.uk is bbc.co.uk', async () => {
    // Act
    const bbc = await push({
      scenario: SCENARIO,
      url: 'https://news.bbc.co.uk/2/hi/europe/1.stm',
      title: 'Talks in Istanbul',
    });
    const gov = await push({
      scenario: SCENARIO,
      url: 'https://www.president.gov.ua/en/news/1',
      title: 'Zelensky in Istanbul',
    });
    // Assess
    expect([bbc.body.outlet, gov.body.outlet]).toEqual(['bbc.co.uk', 'president.gov.ua']);
  });

  it('Matches: at most 3, best first, each score in 0–1', async () => {
    // Prepare: four threads the text names
    const scenario = 'inbox-rule-three';
    for (const [n, what] of ['deal', 'corridor', 'exports', 'shipments'].entries())
      await s.call('POST', '/threads', {
        body: {
          id: `inbox-rule-three-${n}`,
          scenario,
          kind: 'other',
          title: `Black Sea grain ${what}`,
          status: 'active',
          summary: 'Active.',
        },
      });
    // Act
    const r = await push({
      scenario,
      url: 'https://example.org/grain',
      title: 'Black Sea grain deal, corridor, exports and shipments',
    });
    // Assess
    const scores = r.body.matches.map((m: { score: number }) => m.score);
    expect(scores).toHaveLength(3);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const score of scores) expect(score >= 0 && score <= 1).toBe(true);
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
