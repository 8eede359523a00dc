import { liveHubs } from '../../local/server';
import { openLive, type LiveClient } from '../support/live-client';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Contract 1.2 "Claims by party" and "Corroboration", over HTTP through the local server: what a
 * party's claim does to a thread (and what it does not), the views then, the list filters, and the
 * outlets a status rests on.
 */

jest.setTimeout(30_000);

let s: TestServer;
const open: LiveClient[] = [];
beforeAll(async () => {
  s = await startTestServer({ seed: false });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await s.close();
});

const reader = { role: 'reader' as const };
const SCENARIO = 'claims-desk';

/** A summit thread of the scenario with its first (the newsroom's own) status. */
async function thread(id: string, status: string, occurredAt: string, sources: string[] = []) {
  const r = await s.call('POST', '/threads', {
    body: {
      id,
      scenario: SCENARIO,
      kind: 'summit',
      title: id,
      status,
      summary: `${id}: ${status}.`,
      occurredAt,
      sources: sources.map((url) => ({ url })),
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function post(id: string, body: Record<string, unknown>) {
  const r = await s.call('POST', `/threads/${id}/updates`, { body: { summary: 'An update.', ...body } });
  expect(r.status).toBe(201);
  return r.body as { update: { id: string; recordedAt: string; claimedBy: string | null }; thread: any };
}

const urls = (...list: string[]) => list.map((url) => ({ url }));

describe('claims by party: 22 October 2025, the Budapest meeting', () => {
  let us: { id: string; recordedAt: string };
  let kremlin: { id: string; recordedAt: string };
  beforeAll(async () => {
    // Prepare: the newsroom's own status, then what each side said on the 22nd
    await thread('budapest-meeting', 'postponed', '2025-10-21', ['https://www.reuters.com/postponed']);
    us = (
      await post('budapest-meeting', {
        status: 'cancelled',
        claimedBy: 'us',
        summary: 'The White House says the Budapest meeting is off.',
        occurredAt: '2025-10-22T09:00:00Z',
        sources: urls('https://www.whitehouse.gov/briefing'),
      })
    ).update;
    kremlin = (
      await post('budapest-meeting', {
        status: 'postponed',
        claimedBy: 'russia',
        summary: 'The Kremlin calls it a postponement.',
        occurredAt: '2025-10-22T12:00:00Z',
      })
    ).update;
  });

  it("shows each party's claim beside the newsroom's own status, which stays postponed, and marks it disputed", async () => {
    // Act
    const r = await s.call('GET', '/threads/budapest-meeting', reader);
    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'postponed',
      statusSince: '2025-10-21T00:00:00.000Z',
      statusSincePrecision: 'day',
      updateCount: 3,
      disputed: true,
    });
    expect(r.body.claims).toEqual([
      {
        party: 'russia',
        status: 'postponed',
        since: '2025-10-22T12:00:00.000Z',
        sincePrecision: 'instant',
        updateId: kremlin.id,
      },
      {
        party: 'us',
        status: 'cancelled',
        since: '2025-10-22T09:00:00.000Z',
        sincePrecision: 'instant',
        updateId: us.id,
      },
    ]);
  });

  it('shows claimedBy on the updates: the party on a claim, null on the newsroom’s own', async () => {
    // Act
    const r = await s.call('GET', '/threads/budapest-meeting/updates', reader);
    // Assess
    expect(r.status).toBe(200);
    expect(
      r.body.items.map((u: { status: string; claimedBy: string | null }) => [u.status, u.claimedBy]),
    ).toEqual([
      ['postponed', 'russia'],
      ['cancelled', 'us'],
      ['postponed', null],
    ]);
  });

  it('computes claims as of an occurred time and as known at a recorded time', async () => {
    // Act
    const before = await s.call('GET', '/threads/budapest-meeting?asOf=2025-10-21', reader);
    const morning = await s.call('GET', '/threads/budapest-meeting?asOf=2025-10-22T10:00:00Z', reader);
    const known = await s.call(
      'GET',
      `/threads/budapest-meeting?knownAt=${encodeURIComponent(us.recordedAt)}`,
      reader,
    );
    // Assess
    expect(before.body).toMatchObject({ status: 'postponed', claims: [], disputed: false });
    expect(morning.body).toMatchObject({ claims: [{ party: 'us', status: 'cancelled' }], disputed: true });
    expect(known.body.claims.map((c: { party: string }) => c.party)).toEqual(['us']);
  });

  it('lists disputed threads with disputed=true and the others with disputed=false', async () => {
    // Prepare
    await thread('istanbul-round', 'held', '2025-05-16');
    // Act
    const yes = await s.call('GET', `/threads?scenario=${SCENARIO}&disputed=true`, reader);
    const no = await s.call('GET', `/threads?scenario=${SCENARIO}&disputed=false`, reader);
    // Assess
    const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((t) => t.id);
    expect(ids(yes)).toContain('budapest-meeting');
    expect(ids(no)).not.toContain('budapest-meeting');
    expect(ids(no)).toContain('istanbul-round');
    expect(yes.body.items.every((t: { disputed: boolean }) => t.disputed)).toBe(true);
  });
});

describe('claims by party: boards', () => {
  it('matches disputed against each thread as it stood then', async () => {
    // Act
    const board = (asOf: string) =>
      s.call('GET', `/threads?scenario=${SCENARIO}&asOf=${asOf}&disputed=true`, reader);
    const before = await board('2025-10-21');
    const after = await board('2025-10-23');
    // Assess
    expect(before.status).toBe(200);
    expect(before.body.items.map((t: { id: string }) => t.id)).not.toContain('budapest-meeting');
    expect(after.body.items.map((t: { id: string }) => t.id)).toContain('budapest-meeting');
    expect(after.body.items.every((t: { disputed: boolean }) => t.disputed)).toBe(true);
  });
});

describe('claims by party: rules', () => {
  beforeAll(async () => {
    await thread('alaska-summit', 'scheduled', '2025-08-08');
  });

  it('refuses a claim without a status (400 naming status)', async () => {
    // Act
    const r = await s.call('POST', '/threads/alaska-summit/updates', {
      body: { claimedBy: 'us', summary: 'No status claimed.' },
    });
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'status' })]);
    expect(r.body.errors[0].message).toMatch(/claim/);
  });

  it('refuses a party name outside ^[a-z][a-z0-9_-]{0,39}$ (400 naming claimedBy)', async () => {
    for (const party of ['US', '1eu', 'a'.repeat(41), 'eu commission']) {
      // Act
      const r = await s.call('POST', '/threads/alaska-summit/updates', {
        body: { claimedBy: party, status: 'held', summary: 'Bad party.' },
      });
      // Assess
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe('claimedBy');
    }
  });

  it("refuses a claimed status that is not one of the thread's kind, as any update's (422 invalid_status)", async () => {
    // Act
    const r = await s.call('POST', '/threads/alaska-summit/updates', {
      body: { claimedBy: 'us', status: 'agreed', summary: 'Not a summit status.' },
    });
    // Assess
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('invalid_status');
  });

  it('posts an UpdatePosted carrying claimedBy and no ThreadStatusChanged: a claim is not a status change', async () => {
    // Prepare
    const client = await openLive(s.url, s.tokens.reader);
    open.push(client);
    client.send({ action: 'subscribe', threadId: 'alaska-summit' });
    await client.next((f) => f.type === 'Subscribed');
    const from = client.frames.length;
    // Act: a claim, then the newsroom's own change of status
    const claim = await post('alaska-summit', { status: 'held', claimedBy: 'russia' });
    const own = await post('alaska-summit', { status: 'held' });
    // Assess
    await client.next((f) => f.type === 'ThreadStatusChanged', from);
    await liveHubs.get(s.server)!.settled();
    await client.roundTrip();
    const events = client.frames.slice(from).filter((f) => f.threadId === 'alaska-summit');
    expect(events.map((f) => [f.type, f.updateId, f.status, f.claimedBy])).toEqual([
      ['UpdatePosted', claim.update.id, 'held', 'russia'],
      ['UpdatePosted', own.update.id, 'held', undefined],
      ['ThreadStatusChanged', undefined, 'held', undefined],
    ]);
    expect(claim.thread).toMatchObject({ status: 'scheduled', disputed: true });
    expect(own.thread).toMatchObject({ status: 'held', disputed: false });
  });

  it("recomputes the claims when a party's latest claim is retracted: its earlier one stands again", async () => {
    // Prepare
    await thread('peace-plan', 'proposed', '2025-11-20');
    const first = await post('peace-plan', {
      status: 'announced',
      claimedBy: 'us',
      occurredAt: '2025-11-21',
    });
    const latest = await post('peace-plan', {
      status: 'proposed',
      claimedBy: 'us',
      occurredAt: '2025-11-23',
    });
    expect(latest.thread.disputed).toBe(false);
    // Act
    const r = await s.call('POST', `/threads/peace-plan/updates/${latest.update.id}/retraction`, {
      body: { reason: 'Misattributed.' },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.thread).toMatchObject({
      status: 'proposed',
      disputed: true,
      claims: [{ party: 'us', status: 'announced', updateId: first.update.id }],
    });
    const listed = await s.call('GET', `/threads?scenario=${SCENARIO}&disputed=true`, reader);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain('peace-plan');
  });
});

describe('corroboration', () => {
  beforeAll(async () => {
    // Prepare: a status from one outlet on two of its hosts, then a repeat from another outlet
    await thread('prisoner-swap', 'proposed', '2025-05-01', ['https://www.reuters.com/proposed']);
    await post('prisoner-swap', {
      status: 'scheduled',
      occurredAt: '2025-05-20',
      sources: urls('https://news.bbc.co.uk/swap', 'https://www.bbc.co.uk/news/swap'),
    });
    await post('prisoner-swap', {
      status: null,
      occurredAt: '2025-05-21',
      sources: urls('https://apnews.com/note'),
    });
    await post('prisoner-swap', {
      status: 'scheduled',
      claimedBy: 'ukraine',
      occurredAt: '2025-05-22',
      sources: urls('https://www.president.gov.ua/claim'),
    });
  });

  it('counts one outlet per registrable domain among the sources of the updates carrying the current status', async () => {
    // Act
    const r = await s.call('GET', '/threads/prisoner-swap', reader);
    // Assess: news.bbc.co.uk and www.bbc.co.uk are bbc.co.uk; the note, the claim and the earlier status do not count
    expect(r.body.corroboration).toEqual({ outlets: ['bbc.co.uk'], count: 1 });
  });

  it('lists a status resting on fewer than 2 outlets with corroborated=false, and no longer once a second outlet repeats it', async () => {
    // Prepare
    const ids = async () =>
      (await s.call('GET', `/threads?scenario=${SCENARIO}&corroborated=false`, reader)).body.items.map(
        (t: { id: string }) => t.id,
      );
    const before = await ids();
    // Act
    const repeat = await post('prisoner-swap', {
      status: 'scheduled',
      occurredAt: '2025-05-23',
      sources: urls('https://kyivindependent.com/swap'),
    });
    // Assess
    expect(before).toContain('prisoner-swap');
    expect(repeat.thread.corroboration).toEqual({ outlets: ['bbc.co.uk', 'kyivindependent.com'], count: 2 });
    expect(await ids()).not.toContain('prisoner-swap');
    const yes = await s.call('GET', `/threads?scenario=${SCENARIO}&corroborated=true`, reader);
    expect(yes.body.items.map((t: { id: string }) => t.id)).toEqual(['prisoner-swap']);
  });

  it('computes it as of then', async () => {
    // Act
    const then = await s.call('GET', '/threads/prisoner-swap?asOf=2025-05-22', reader);
    const earlier = await s.call('GET', '/threads/prisoner-swap?asOf=2025-05-01', reader);
    // Assess
    expect(then.body.corroboration).toEqual({ outlets: ['bbc.co.uk'], count: 1 });
    expect(earlier.body).toMatchObject({
      status: 'proposed',
      corroboration: { outlets: ['reuters.com'], count: 1 },
    });
  });

  it('drops an outlet when an amendment takes away the only source from it', async () => {
    // Prepare
    const updates = (await s.call('GET', '/threads/prisoner-swap/updates', reader)).body.items;
    const repeat = updates.find((u: { sources: { url: string }[] }) =>
      u.sources.some((x) => x.url === 'https://kyivindependent.com/swap'),
    );
    // Act
    const r = await s.call('PATCH', `/threads/prisoner-swap/updates/${repeat.id}`, {
      body: { sources: urls('https://www.bbc.com/swap') },
    });
    // Assess
    expect(r.status).toBe(200);
    const view = await s.call('GET', '/threads/prisoner-swap', reader);
    expect(view.body.corroboration).toEqual({ outlets: ['bbc.co.uk', 'bbc.com'], count: 2 });
  });
});

describe('corroboration: an amendment of the sources', () => {
  it('counts the new sources’ outlets from the amendment on, the old ones as known before it, and shows no outlets field on the update', async () => {
    // Prepare: proposed (reuters), repeated (bbc)
    const id = 'amended-sources';
    await thread(id, 'proposed', '2025-07-01', ['https://www.reuters.com/first']);
    const repeat = await post(id, {
      status: 'proposed',
      occurredAt: '2025-07-02',
      sources: urls('https://news.bbc.co.uk/repeat'),
    });
    // Act: the repeat's source was the wrong link: it was AP's story
    const amended = await s.call('PATCH', `/threads/${id}/updates/${repeat.update.id}`, {
      body: { sources: urls('https://apnews.com/repeat', 'https://www.apnews.com/copy') },
    });
    const before = await s.call('GET', `/threads/${id}?knownAt=${repeat.update.recordedAt}`, reader);
    const listed = await s.call('GET', `/threads/${id}/updates`, reader);
    // Assess
    expect(amended.status).toBe(200);
    expect(amended.body.thread.corroboration).toEqual({ outlets: ['apnews.com', 'reuters.com'], count: 2 });
    expect(before.body.corroboration).toEqual({ outlets: ['bbc.co.uk', 'reuters.com'], count: 2 });
    expect(amended.body.update).not.toHaveProperty('outlets');
    for (const u of listed.body.items) expect(u).not.toHaveProperty('outlets');
  });
});

describe('corroboration: non-retracted updates of the current status since it began, as known then', () => {
  const id = 'venue-talks';
  let second: { id: string; recordedAt: string };
  let third: { id: string; recordedAt: string };
  beforeAll(async () => {
    // Prepare: proposed (reuters), then scheduled (bbc), repeated (apnews)
    await thread(id, 'proposed', '2025-06-01', ['https://www.reuters.com/venue-proposed']);
    second = (
      await post(id, {
        status: 'scheduled',
        occurredAt: '2025-06-10',
        sources: urls('https://www.bbc.co.uk/venue'),
      })
    ).update;
    third = (
      await post(id, {
        status: 'scheduled',
        occurredAt: '2025-06-11',
        sources: urls('https://apnews.com/venue'),
      })
    ).update;
  });

  it('knownAt views compute it as of then', async () => {
    // Act
    const atSecond = await s.call('GET', `/threads/${id}?knownAt=${second.recordedAt}`, reader);
    const atThird = await s.call('GET', `/threads/${id}?knownAt=${third.recordedAt}`, reader);
    // Assess
    expect(atSecond.body.corroboration).toEqual({ outlets: ['bbc.co.uk'], count: 1 });
    expect(atThird.body.corroboration).toEqual({ outlets: ['apnews.com', 'bbc.co.uk'], count: 2 });
  });

  it('a retracted update’s outlets do not count, and the thread is listed by corroborated=false again', async () => {
    // Act
    const r = await s.call('POST', `/threads/${id}/updates/${third.id}/retraction`, {
      body: { reason: 'Wrong story.' },
    });
    // Assess
    expect(r.status).toBe(200);
    expect(r.body.thread.corroboration).toEqual({ outlets: ['bbc.co.uk'], count: 1 });
    const listed = await s.call('GET', `/threads?scenario=${SCENARIO}&corroborated=false`, reader);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(id);
    const before = await s.call('GET', `/threads/${id}?knownAt=${third.recordedAt}`, reader);
    expect(before.body.corroboration).toEqual({ outlets: ['apnews.com', 'bbc.co.uk'], count: 2 });
  });

  it('a status that begins again counts only the outlets since it began again', async () => {
    // Act: postponed (kyivindependent), then scheduled once more (reuters)
    await post(id, {
      status: 'postponed',
      occurredAt: '2025-06-12',
      sources: urls('https://kyivindependent.com/v'),
    });
    const again = await post(id, {
      status: 'scheduled',
      occurredAt: '2025-06-13',
      sources: urls('https://www.reuters.com/venue-again'),
    });
    // Assess
    expect(again.thread).toMatchObject({ status: 'scheduled', statusSince: '2025-06-13T00:00:00.000Z' });
    expect(again.thread.corroboration).toEqual({ outlets: ['reuters.com'], count: 1 });
  });

  it('an unknown value of the list filter corroborated is 400 validation_error naming it', async () => {
    // Act
    const r = await s.call('GET', `/threads?scenario=${SCENARIO}&corroborated=maybe`, reader);
    // Assess
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'validation_error', errors: [{ path: 'corroborated' }] });
  });

  it('the board as known then (GET /threads?scenario=&knownAt=) filters corroborated= on the outlets then', async () => {
    // Act
    const then = await s.call(
      'GET',
      `/threads?scenario=${SCENARIO}&knownAt=${third.recordedAt}&corroborated=true`,
      reader,
    );
    const now = await s.call('GET', `/threads?scenario=${SCENARIO}&corroborated=true`, reader);
    // Assess
    expect(then.status).toBe(200);
    expect(then.body.items.find((t: { id: string }) => t.id === id)).toMatchObject({
      corroboration: { outlets: ['apnews.com', 'bbc.co.uk'], count: 2 },
    });
    expect(now.body.items.map((t: { id: string }) => t.id)).not.toContain(id);
  });
});
