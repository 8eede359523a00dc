import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BlogPosting, Event, Graph, LiveBlogPosting } from 'schema-dts';
import { updateKey } from '../../shared/store/keys';
import { PublicCache } from '../../local/public-cache';
import { PUBLIC_CACHE_CONTROL } from '../../shared/domain/public-cache';
import { startTestServer, type TestServer } from '../support/server';

/** Contract 1.2, "Public scenarios and embeds": the public JSON, embeds, oEmbed, badge and page. */
let s: TestServer;
let clock = Date.parse('2026-01-01T00:00:00Z');
const anyone = { role: null } as const;
/** Past max-age and stale-while-revalidate: the next read goes to the origin and waits for it. */
const expireCache = () => (clock += 400_000);
const posted: Record<string, { id: string }> = {};

/** The key-event mark as the key-events part of contract 1.2 stores it on an update item. */
const markKey = (threadId: string, updateId: string) =>
  s.ctx.db.send(
    new UpdateCommand({
      TableName: s.ctx.config.tableName,
      Key: updateKey(threadId, updateId),
      UpdateExpression: 'SET #key = :yes',
      ExpressionAttributeNames: { '#key': 'key' },
      ExpressionAttributeValues: { ':yes': true },
    }),
  );

beforeAll(async () => {
  s = await startTestServer({ seed: false, publicCache: new PublicCache(() => clock) });
  // Prepare: a scenario with a summit, talks, an archived thread, and a thread of another scenario
  await s.call('POST', '/scenarios', {
    body: { id: 'budapest', title: 'Budapest <summit> & talks', description: 'Trump–Putin.' },
  });
  const thread = async (id: string, scenario: string, body: Record<string, unknown>) =>
    s.call('POST', '/threads', { body: { id, scenario, title: id, summary: `${id} begins.`, ...body } });
  await thread('budapest-summit', 'budapest', {
    kind: 'summit',
    title: 'Trump–Putin summit <Budapest>',
    status: 'announced',
    occurredAt: '2025-10-16',
    expected: { what: 'Summit held', at: '2025-11' },
  });
  await thread('budapest-talks', 'budapest', {
    kind: 'other',
    status: 'active',
    occurredAt: '2025-10-17T09:30:00Z',
  });
  await thread('budapest-old', 'budapest', { kind: 'other', status: 'proposed', occurredAt: '2025-10-01' });
  await s.call('PATCH', '/threads/budapest-old', { body: { archived: true } });
  await thread('elsewhere', 'other-scenario', { kind: 'other', status: 'active', occurredAt: '2025-10-01' });
  const update = async (name: string, id: string, body: Record<string, unknown>) =>
    (posted[name] = (await s.call('POST', `/threads/${id}/updates`, { body })).body.update);
  await update('postponed', 'budapest-summit', {
    status: 'postponed',
    summary: 'The White House says there are no plans for a meeting.',
    occurredAt: '2025-10-22',
    sources: [{ url: 'https://www.reuters.com/world/us/budapest-2025-10-22/' }],
  });
  await update('note', 'budapest-summit', {
    status: null,
    summary: 'Kremlin: preparations continue.',
    occurredAt: '2025-10-23',
  });
  // The postponement is a key event; the note is not, and neither is the first status by itself.
  await markKey('budapest-summit', posted.postponed!.id);
});
afterAll(async () => s.close());

describe('a scenario that is not public', () => {
  it('is 404 without a token on every public route, and cacheable as such', async () => {
    for (const path of [
      '/public/scenarios/budapest',
      '/public/scenarios/budapest/threads/budapest-summit',
      '/embed/budapest',
      '/embed/budapest/budapest-summit',
      '/badge/budapest/budapest-summit.svg',
      '/p/budapest',
      '/public/scenarios/no-such-scenario',
    ]) {
      const r = await s.call('GET', path, anyone);
      expect({ path, status: r.status, cache: r.headers.get('cache-control') }).toEqual({
        path,
        status: 404,
        cache: PUBLIC_CACHE_CONTROL,
      });
    }
    const oembed = await s.call(
      'GET',
      `/oembed?url=${encodeURIComponent(`${s.url}/embed/budapest`)}`,
      anyone,
    );
    expect(oembed.status).toBe(404);
  });

  it('is 404 with a token too: the public routes never say 401 or 403', async () => {
    expect((await s.call('GET', '/public/scenarios/budapest', { role: 'admin' })).status).toBe(404);
    expect(
      (
        await s.call('GET', '/public/scenarios/budapest', {
          role: null,
          headers: { Authorization: 'Bearer nonsense' },
        })
      ).status,
    ).toBe(404);
  });
});

describe('PATCH /scenarios/{id} { public }', () => {
  it('needs an editor, and publishes the scenario', async () => {
    // Act
    const byReader = await s.call('PATCH', '/scenarios/budapest', { role: 'reader', body: { public: true } });
    const before = await s.call('GET', '/scenarios/budapest', { role: 'reader' });
    const patched = await s.call('PATCH', '/scenarios/budapest', { body: { public: true } });
    expireCache();
    // Assess
    expect(byReader.status).toBe(403);
    expect(before.body.public).toBe(false);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: 'budapest', public: true, version: before.body.version + 1 });
    expect((await s.call('GET', '/public/scenarios/budapest', anyone)).status).toBe(200);
  });

  it('refuses a public that is not a boolean', async () => {
    const r = await s.call('PATCH', '/scenarios/budapest', { body: { public: 'yes' } });
    expect(r.status).toBe(400);
  });
});

describe('GET /public/scenarios/{id}', () => {
  it("gives the scenario's non-archived threads with exactly the public fields: no author, no history", async () => {
    // Act
    const r = await s.call('GET', '/public/scenarios/budapest', anyone);
    // Assess
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['id', 'title', 'description', 'updatedAt', 'threads']);
    expect(r.body.threads.map((t: { id: string }) => t.id)).toEqual(['budapest-summit', 'budapest-talks']);
    expect(r.body.threads[0]).toEqual({
      id: 'budapest-summit',
      title: 'Trump–Putin summit <Budapest>',
      kind: 'summit',
      status: 'postponed',
      statusSince: '2025-10-22T00:00:00.000Z',
      statusSincePrecision: 'day',
      summary: 'Kremlin: preparations continue.',
      expected: { what: 'Summit held', at: '2025-11-01T00:00:00.000Z', precision: 'month' },
      overdue: false,
      disputed: false,
      corroboration: { outlets: ['reuters.com'], count: 1 },
    });
    expect(r.text).not.toMatch(/postedBy|recordedBy|local-editor|test-editor/);
  });

  it('is cacheable by anyone, readable from any page, and answers 304 to its ETag', async () => {
    // Act
    const r = await s.call('GET', '/public/scenarios/budapest', anyone);
    const again = await s.call('GET', '/public/scenarios/budapest', {
      ...anyone,
      headers: { 'If-None-Match': r.headers.get('etag')! },
    });
    // Assess
    expect(r.headers.get('cache-control')).toBe('public, max-age=30, stale-while-revalidate=300');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('every public route of a public scenario', () => {
  it.each([
    ['/public/scenarios/budapest/threads/budapest-summit', 'application/json; charset=utf-8'],
    ['/embed/budapest', 'text/html; charset=utf-8'],
    ['/embed/budapest/budapest-summit', 'text/html; charset=utf-8'],
    ['/badge/budapest/budapest-summit.svg', 'image/svg+xml; charset=utf-8'],
    ['/p/budapest', 'text/html; charset=utf-8'],
    ['/embed.js', 'text/javascript; charset=utf-8'],
    [
      '/oembed?url=' + encodeURIComponent('http://HOST/embed/budapest') + '&format=json',
      'application/json; charset=utf-8',
    ],
  ])(
    '%s answers without a token with Cache-Control: public, max-age=30, stale-while-revalidate=300, an ETag, 304 and CORS *',
    async (path, type) => {
      // Prepare
      const url = path.replace(encodeURIComponent('http://HOST'), encodeURIComponent(s.url));
      // Act
      const r = await s.call('GET', url, anyone);
      const again = await s.call('GET', url, {
        ...anyone,
        headers: { 'If-None-Match': r.headers.get('etag')! },
      });
      // Assess
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=30, stale-while-revalidate=300');
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('etag')).toMatch(/^"[\w-]+"$/);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(r.headers.get('etag'));
    },
  );

  it('publishes only while public: PATCH { public: false } makes every route 404 again', async () => {
    // Prepare
    await s.call('POST', '/scenarios', { body: { id: 'briefly-public', title: 'Briefly public' } });
    await s.call('POST', '/threads', {
      body: {
        id: 'briefly-summit',
        scenario: 'briefly-public',
        kind: 'summit',
        title: 'Briefly',
        status: 'announced',
        summary: 'Announced.',
      },
    });
    await s.call('PATCH', '/scenarios/briefly-public', { body: { public: true } });
    const whilePublic = await s.call('GET', '/public/scenarios/briefly-public', anyone);
    // Act
    const hidden = await s.call('PATCH', '/scenarios/briefly-public', { body: { public: false } });
    expireCache();
    // Assess
    expect(whilePublic.status).toBe(200);
    expect(hidden.body.public).toBe(false);
    for (const path of [
      '/public/scenarios/briefly-public',
      '/public/scenarios/briefly-public/threads/briefly-summit',
      '/embed/briefly-public',
      '/badge/briefly-public/briefly-summit.svg',
      '/p/briefly-public',
    ])
      expect({ path, status: (await s.call('GET', path, anyone)).status }).toEqual({ path, status: 404 });
  });
});

describe('GET /public/scenarios/{id}/threads/{threadId}', () => {
  it('adds the key events only: not every status change, never an unmarked update', async () => {
    // Act
    const r = await s.call('GET', '/public/scenarios/budapest/threads/budapest-summit', anyone);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'budapest-summit', scenario: 'budapest', status: 'postponed' });
    expect(r.body.keyEvents).toEqual([
      {
        id: posted.postponed!.id,
        status: 'postponed',
        summary: 'The White House says there are no plans for a meeting.',
        occurredAt: '2025-10-22T00:00:00.000Z',
        occurredPrecision: 'day',
        sources: [{ url: 'https://www.reuters.com/world/us/budapest-2025-10-22/' }],
      },
    ]);
  });

  it('is 404 for an archived thread and for a thread of another scenario', async () => {
    expect((await s.call('GET', '/public/scenarios/budapest/threads/budapest-old', anyone)).status).toBe(404);
    expect((await s.call('GET', '/public/scenarios/budapest/threads/elsewhere', anyone)).status).toBe(404);
  });
});

describe('the embed', () => {
  it('is a page for an iframe with the status and its date at the stored precision, and a CSP', async () => {
    // Act
    const r = await s.call('GET', '/embed/budapest', anyone);
    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.text).toContain('<scenario-tracker scenario="budapest">');
    expect(r.text).toContain('Trump–Putin summit &lt;Budapest&gt;');
    expect(r.text).toContain('data-tone="warning">postponed</span>');
    expect(r.text).toContain('>22 October 2025</time>');
    expect(r.text).toContain('>17 October 2025, 09:30 UTC</time>');
    expect(r.text).toContain('<script src="../embed.js"></script>');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toMatch(/frame-ancestors \*(;|$)/);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    // Connections: the tracker, and exactly the live channels' socket (its origin), nothing else.
    const live = new URL(s.ctx.config.publicEvents!.realtime!.url).origin;
    expect(csp.split('; ').find((d) => d.startsWith('connect-src'))).toBe(`connect-src 'self' ${live}`);
    // Nothing from another host: every URL in the page is this tracker's or a link out.
    expect(r.text.match(/(?:src|href)="([^"]+)"/g)).toEqual([
      `href="${s.url}/p/budapest"`,
      'src="../embed.js"',
    ]);
  });

  it("of one thread shows its summary and expected date at the expected's precision", async () => {
    const r = await s.call('GET', '/embed/budapest/budapest-summit', anyone);
    expect(r.status).toBe(200);
    expect(r.text).toContain('thread="budapest-summit"');
    expect(r.text).toContain('Expected: Summit held, November 2025');
    expect(r.text).toContain('<script src="../../embed.js"></script>');
  });

  it('may be framed only by TRACKER_EMBED_ORIGINS when set', async () => {
    // Prepare
    const shipped = s.ctx.config.embedOrigins;
    s.ctx.config.embedOrigins = ['https://news.example.org', 'https://live.example.org'];
    expireCache();
    try {
      // Act
      const r = await s.call('GET', '/embed/budapest', anyone);
      // Assess
      expect(r.headers.get('content-security-policy')).toContain(
        'frame-ancestors https://news.example.org https://live.example.org',
      );
    } finally {
      s.ctx.config.embedOrigins = shipped;
      expireCache();
    }
  });

  it('GET /embed.js defines the <scenario-tracker> element', async () => {
    const r = await s.call('GET', '/embed.js', anyone);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.text).toContain("customElements.define('scenario-tracker'");
    expect(r.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
  });
});

describe('GET /oembed', () => {
  const oembed = (url: string, extra = '') =>
    s.call('GET', `/oembed?url=${encodeURIComponent(url)}${extra}`, anyone);

  it('answers a rich oEmbed 1.0 response with the iframe for an embed or public page URL', async () => {
    // Act
    const scenario = await oembed(`${s.url}/p/budapest`);
    const thread = await oembed(`${s.url}/embed/budapest/budapest-summit`, '&format=json&maxwidth=320');
    // Assess
    expect(scenario.status).toBe(200);
    expect(scenario.body).toEqual({
      version: '1.0',
      type: 'rich',
      html: `<iframe src="${s.url}/embed/budapest" title="Budapest &lt;summit&gt; &amp; talks" width="480" height="360" style="border:0;max-width:100%" loading="lazy"></iframe>`,
      width: 480,
      height: 360,
      title: 'Budapest <summit> & talks',
      provider_name: 'Scenario Tracker',
      provider_url: s.url,
      cache_age: 30,
    });
    expect(thread.body).toMatchObject({ width: 320, height: 220, title: 'Trump–Putin summit <Budapest>' });
    expect(thread.body.html).toContain(`src="${s.url}/embed/budapest/budapest-summit"`);
  });

  it('is 404 for a URL of another site, of no embed, or of an archived thread; 501 for XML', async () => {
    expect((await oembed('https://evil.example/embed/budapest')).status).toBe(404);
    expect((await oembed(`${s.url}/threads/budapest-summit`)).status).toBe(404);
    expect((await oembed(`${s.url}/embed/budapest/budapest-old`)).status).toBe(404);
    const xml = await oembed(`${s.url}/embed/budapest`, '&format=xml');
    expect(xml.status).toBe(501);
    expect(xml.body.code).toBe('not_implemented');
  });
});

describe('GET /badge/{scenario}/{threadId}.svg', () => {
  it('is an SVG with the thread title and status, escaped', async () => {
    const r = await s.call('GET', '/badge/budapest/budapest-summit.svg', anyone);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(r.text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(r.text).toContain('<title>Trump–Putin summit &lt;Budapest&gt;: postponed</title>');
    expect(r.text).not.toContain('<Budapest>');
    expect((await s.call('GET', '/badge/budapest/budapest-summit.png', anyone)).status).toBe(404);
  });
});

describe('GET /p/{scenario}', () => {
  it('carries a LiveBlogPosting of the key events and an Event per summit thread, as schema.org types them', async () => {
    // Prepare: the graph the page must carry, typed by schema-dts (tsc checks it against schema.org)
    const page = `${s.url}/p/budapest`;
    const update: BlogPosting = {
      '@type': 'BlogPosting',
      '@id': `${page}#${posted.postponed!.id}`,
      headline: 'Trump–Putin summit <Budapest>: postponed',
      articleBody: 'The White House says there are no plans for a meeting.',
      datePublished: '2025-10-22T00:00:00.000Z',
      citation: ['https://www.reuters.com/world/us/budapest-2025-10-22/'],
    };
    const blog: LiveBlogPosting = {
      '@type': 'LiveBlogPosting',
      '@id': `${page}#live`,
      url: page,
      headline: 'Budapest <summit> & talks',
      description: 'Trump–Putin.',
      coverageStartTime: '2025-10-22T00:00:00.000Z',
      liveBlogUpdate: [update],
    };
    const summit: Event = {
      '@type': 'Event',
      '@id': `${page}#budapest-summit`,
      name: 'Trump–Putin summit <Budapest>',
      description: 'Kremlin: preparations continue.',
      eventStatus: 'https://schema.org/EventPostponed',
      startDate: '2025-11-01T00:00:00.000Z',
    };
    // Act
    const r = await s.call('GET', '/p/budapest', anyone);
    // Assess
    expect(r.status).toBe(200);
    const block = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(r.text);
    const graph = JSON.parse(block![1]!) as Graph;
    const [liveBlog, ...events] = graph['@graph'] as [Record<string, unknown>, ...unknown[]];
    const { dateModified, ...rest } = liveBlog;
    expect(graph['@context']).toBe('https://schema.org');
    expect(rest).toEqual(blog);
    expect(typeof dateModified).toBe('string');
    expect(events).toEqual([summit]);
    expect(r.text).toContain('<h3>Key events</h3>');
  });

  it('gives each summit its eventStatus from the status and the history of expected: EventScheduled, EventRescheduled with previousStartDate, EventCancelled', async () => {
    // Prepare: a public scenario of four summits: one expected once, one whose expected date moved,
    // one whose expected changed only its wording, one cancelled.
    await s.call('POST', '/scenarios', { body: { id: 'summits', title: 'Summits' } });
    const summit = (id: string, status: string, at: string) =>
      s.call('POST', '/threads', {
        body: {
          id,
          scenario: 'summits',
          kind: 'summit',
          title: id,
          status,
          summary: `${id}.`,
          occurredAt: '2025-10-01',
          expected: { what: 'Meeting', at },
        },
      });
    await summit('summit-set', 'announced', '2025-12-01');
    await summit('summit-moved', 'scheduled', '2025-11-15');
    await s.call('PATCH', '/threads/summit-moved', {
      body: { expected: { what: 'Meeting', at: '2025-12-05' } },
    });
    await summit('summit-reworded', 'scheduled', '2025-11-20');
    await s.call('PATCH', '/threads/summit-reworded', {
      body: { expected: { what: 'Meeting in Geneva', at: '2025-11-20' } },
    });
    await summit('summit-off', 'cancelled', '2025-11-25');
    await s.call('PATCH', '/scenarios/summits', { body: { public: true } });
    // Act
    const r = await s.call('GET', '/p/summits', anyone);
    // Assess
    expect(r.status).toBe(200);
    const block = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(r.text);
    const [, ...events] = JSON.parse(block![1]!)['@graph'] as Record<string, unknown>[];
    const statusOf = (e: Record<string, unknown>) => ({
      name: e.name,
      eventStatus: e.eventStatus,
      startDate: e.startDate,
      previousStartDate: e.previousStartDate,
    });
    expect(events.map(statusOf)).toEqual([
      {
        name: 'summit-moved',
        eventStatus: 'https://schema.org/EventRescheduled',
        startDate: '2025-12-05T00:00:00.000Z',
        previousStartDate: '2025-11-15T00:00:00.000Z',
      },
      {
        name: 'summit-off',
        eventStatus: 'https://schema.org/EventCancelled',
        startDate: '2025-11-25T00:00:00.000Z',
        previousStartDate: undefined,
      },
      {
        name: 'summit-reworded',
        eventStatus: 'https://schema.org/EventScheduled',
        startDate: '2025-11-20T00:00:00.000Z',
        previousStartDate: undefined,
      },
      {
        name: 'summit-set',
        eventStatus: 'https://schema.org/EventScheduled',
        startDate: '2025-12-01T00:00:00.000Z',
        previousStartDate: undefined,
      },
    ]);
  });
});
