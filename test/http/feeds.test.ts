import { XMLParser } from 'fast-xml-parser';
import { rawRequest } from '../support/raw-http';
import { startTestServer, type TestServer } from '../support/server';

/** Atom feeds, parsed as a feed reader would and checked against what Atom 1.0 (RFC 4287) requires. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ notifications: false, seed: false });
});
afterAll(() => server.close());

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['entry', 'link', 'author'].includes(name),
});
type Link = { '@rel'?: string; '@href': string; '@title'?: string };
type Entry = {
  id: string;
  title: { '#text': string } | string;
  updated: string;
  published: string;
  summary: { '#text': string } | string;
  link: Link[];
  author?: { name: string }[];
};
const text = (v: { '#text': string } | string) => (typeof v === 'string' ? v : v['#text']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every element RFC 4287 requires of a feed and its entries. */
function assertAtom(xml: string): { feed: Record<string, unknown>; entries: Entry[] } {
  const doc = parser.parse(xml);
  const feed = doc.feed;
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
  expect(typeof feed.id).toBe('string');
  expect(feed.title).toBeDefined();
  expect(feed.updated).toMatch(RFC3339);
  const entries: Entry[] = feed.entry ?? [];
  // atom:author on the feed, or on every entry
  expect(feed.author?.length > 0 || entries.every((e) => (e.author?.length ?? 0) > 0)).toBe(true);
  expect((feed.link as Link[]).some((l) => l['@rel'] === 'self')).toBe(true);
  for (const e of entries) {
    expect(e.id).toMatch(/^urn:scenario-tracker:update:[0-9A-Z]{26}$/);
    expect(text(e.title)).toBeTruthy();
    expect(e.updated).toMatch(RFC3339);
    // No atom:content, so an alternate link is required.
    expect(e.link.some((l) => (l['@rel'] ?? 'alternate') === 'alternate')).toBe(true);
  }
  return { feed, entries };
}

const basic = (password: string, user = 'reader') => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('Atom feeds', () => {
  let first: string;
  let retracted: string;
  beforeAll(async () => {
    await server.call('POST', '/threads', {
      body: {
        id: 'ceasefire',
        scenario: 'talks',
        kind: 'ceasefire',
        title: 'Ceasefire <30 days>',
        status: 'proposed',
        summary: 'Proposed by Kyiv & allies.',
        occurredAt: '2025-05-10T00:00:00Z',
        sources: [
          { url: 'https://example.org/a?x=1&y=2', title: 'Report "A"' },
          { url: 'https://example.org/b' },
        ],
      },
    });
    first = (await server.call('GET', '/threads/ceasefire/updates', { role: 'reader' })).body.items[0].id;
    await server.call('POST', '/threads/ceasefire/updates', { body: { status: null, summary: 'A note.' } });
    const agreed = await server.call('POST', '/threads/ceasefire/updates', {
      body: { status: 'agreed', summary: 'Agreed.' },
    });
    retracted = agreed.body.update.id;
    await server.call('POST', `/threads/ceasefire/updates/${retracted}/retraction`, {
      body: { reason: 'Wrong.' },
    });
    await server.call('POST', '/threads', {
      body: {
        id: 'summit',
        scenario: 'talks',
        kind: 'summit',
        title: 'Summit',
        status: 'announced',
        summary: 'Announced.',
      },
    });
    await server.call('POST', '/threads', {
      body: {
        id: 'elsewhere',
        scenario: 'other',
        kind: 'summit',
        title: 'Elsewhere',
        status: 'announced',
        summary: 'Other scenario.',
      },
    });
  });

  it('gives a thread its updates newest recorded first, with the contract’s ids, titles, times and related links', async () => {
    // Act
    const res = await server.call('GET', '/threads/ceasefire/feed.atom', { role: 'reader' });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const { feed, entries } = assertAtom(res.text);
    expect(feed.id).toBe('urn:scenario-tracker:thread:ceasefire');
    expect(feed.title).toBe('Ceasefire <30 days>');
    expect(entries.map((e) => text(e.title))).toEqual([
      '[Retracted] Ceasefire &lt;30 days&gt;: agreed',
      'Ceasefire &lt;30 days&gt;: note',
      'Ceasefire &lt;30 days&gt;: proposed',
    ]);
    const retractedEntry = entries[0]!;
    expect(retractedEntry.id).toBe(`urn:scenario-tracker:update:${retracted}`);
    expect(retractedEntry.updated > retractedEntry.published).toBe(true);
    expect(feed.updated).toBe(retractedEntry.updated);
    const oldest = entries[2]!;
    expect(text(oldest.summary)).toBe('Proposed by Kyiv &amp; allies.');
    expect(oldest.updated).toBe(oldest.published);
    expect(oldest.author).toEqual([{ name: 'local-editor' }]);
    expect(oldest.link.filter((l) => l['@rel'] === 'related')).toEqual([
      { '@rel': 'related', '@href': 'https://example.org/a?x=1&y=2', '@title': 'Report "A"' },
      { '@rel': 'related', '@href': 'https://example.org/b' },
    ]);
    expect(oldest.link[0]!['@href']).toBe(`${server.url}/threads/ceasefire/updates/${first}`);
  });

  it('builds every link on the configured public URL, whatever Host and X-Forwarded-* the request carries', async () => {
    for (const path of ['/threads/ceasefire/feed.atom', '/scenarios/talks/feed.atom']) {
      // Act
      const res = await rawRequest(server.url, {
        method: 'GET',
        path,
        headers: {
          Host: 'evil.example',
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-Host': 'evil.example',
          Authorization: `Bearer ${server.tokens.reader}`,
        },
      });
      // Assess
      expect(res.status).toBe(200);
      const { feed, entries } = assertAtom(res.text);
      const links = [...(feed.link as Link[]), ...entries.flatMap((e) => e.link)]
        .filter((l) => l['@rel'] !== 'related')
        .map((l) => l['@href']);
      expect(links.length).toBeGreaterThan(2);
      expect(links.filter((href) => !href.startsWith(`${server.url}/`))).toEqual([]);
      expect(res.text).not.toContain('evil.example');
    }
  });

  it('gives a scenario the updates of its threads only, newest recorded first', async () => {
    const res = await server.call('GET', '/scenarios/talks/feed.atom', { role: 'reader' });
    const { feed, entries } = assertAtom(res.text);
    expect(feed.id).toBe('urn:scenario-tracker:scenario:talks');
    expect(entries.map((e) => text(e.title).replace(/&lt;30 days&gt;/, '…'))).toEqual([
      'Summit: announced',
      '[Retracted] Ceasefire …: agreed',
      'Ceasefire …: note',
      'Ceasefire …: proposed',
    ]);
  });

  it('answers 304 to its ETag, and 404 for an unknown thread or scenario', async () => {
    const res = await server.call('GET', '/threads/ceasefire/feed.atom', { role: 'reader' });
    const again = await server.call('GET', '/threads/ceasefire/feed.atom', {
      role: 'reader',
      headers: { 'If-None-Match': res.headers.get('etag')! },
    });
    const scenario = await server.call('GET', '/scenarios/talks/feed.atom', { role: 'reader' });
    const scenarioAgain = await server.call('GET', '/scenarios/talks/feed.atom', {
      role: 'reader',
      headers: { 'If-None-Match': scenario.headers.get('etag')! },
    });
    expect([again.status, again.text, scenarioAgain.status]).toEqual([304, '', 304]);
    expect((await server.call('GET', '/threads/nope/feed.atom', { role: 'reader' })).status).toBe(404);
    expect((await server.call('GET', '/scenarios/nope/feed.atom', { role: 'reader' })).status).toBe(404);
  });

  it('holds the 50 most recently recorded updates', async () => {
    // Prepare: 55 updates on a thread of its own scenario
    await server.call('POST', '/threads', {
      body: {
        id: 'busy',
        scenario: 'busy',
        kind: 'summit',
        title: 'Busy',
        status: 'announced',
        summary: 'u0',
      },
    });
    for (let i = 1; i < 55; i++)
      await server.call('POST', '/threads/busy/updates', { body: { status: null, summary: `u${i}` } });
    // Act
    const thread = assertAtom(
      (await server.call('GET', '/threads/busy/feed.atom', { role: 'reader' })).text,
    ).entries;
    const scenario = assertAtom(
      (await server.call('GET', '/scenarios/busy/feed.atom', { role: 'reader' })).text,
    ).entries;
    // Assess
    expect(thread.map((e) => text(e.summary))).toEqual(Array.from({ length: 50 }, (_, i) => `u${54 - i}`));
    expect(scenario.map((e) => e.id)).toEqual(thread.map((e) => e.id));
  });

  it('accepts the token as the password of HTTP Basic on feeds only, and asks for Basic when refused', async () => {
    // Act
    const ok = await server.call('GET', '/threads/ceasefire/feed.atom', {
      role: null,
      headers: basic(server.tokens.reader),
    });
    const okScenario = await server.call('GET', '/scenarios/talks/feed.atom', {
      role: null,
      headers: basic(server.tokens.reader, ''),
    });
    const wrong = await server.call('GET', '/threads/ceasefire/feed.atom', {
      role: null,
      headers: basic('not-a-token'),
    });
    const none = await server.call('GET', '/threads/ceasefire/feed.atom', { role: null });
    const json = await server.call('GET', '/threads/ceasefire', {
      role: null,
      headers: basic(server.tokens.reader),
    });
    const write = await server.call('POST', '/threads/ceasefire/updates', {
      role: null,
      headers: basic(server.tokens.editor),
      body: { status: null, summary: 'x' },
    });
    // Assess
    expect([ok.status, okScenario.status]).toEqual([200, 200]);
    expect([wrong.status, none.status]).toEqual([401, 401]);
    expect(none.headers.get('www-authenticate')).toContain('Basic realm="Scenario Tracker"');
    expect([json.status, write.status]).toEqual([401, 401]);
    expect(json.headers.get('www-authenticate')).toBe('Bearer');
  });
});
