import { ARCHIVE_BODY_BYTES } from '../../shared/domain/limits';
import { indexed, relayed } from '../support/context';
import { startTestServer, type TestServer } from '../support/server';
import { emptyTracker, firstTracker, recounted, type Tracker } from '../support/trackers';

/**
 * Contract 1.2, "Export, import and the data package": `GET /scenarios/{id}/archive` (admin) and
 * `POST /scenarios/import` (admin), over the local server. The property test of the round trip is
 * test/http/archive-round-trip.test.ts.
 */
let s: TestServer;
let source: Tracker;
const SCENARIO = 'archive-desk';
const ids: Record<string, string> = {};
const admin = { role: 'admin' as const };
const NDJSON = { 'Content-Type': 'application/x-ndjson' };

const archiveOf = async (scenario = SCENARIO) => s.call('GET', `/scenarios/${scenario}/archive`, admin);
const importing = (body: string, headers: Record<string, string> = NDJSON) =>
  s.call('POST', '/scenarios/import', { ...admin, body, headers });
const linesOf = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  s = await startTestServer({ seed: false });
  source = firstTracker(s);
  // Prepare: a scenario with every kind of record an archive holds.
  await s.call('POST', '/scenarios', { body: { id: SCENARIO, title: 'Archive desk', tags: ['desk'] } });
  await s.call('POST', '/threads', {
    body: {
      id: 'summit-a',
      scenario: SCENARIO,
      kind: 'summit',
      title: 'Summit A',
      status: 'announced',
      summary: 'Announced.',
      occurredAt: '2025-06-01',
      keywords: ['summit'],
      criteria: 'Held means both leaders in the room.',
      expected: { what: 'The summit', at: '2025-09' },
    },
  });
  await s.call('POST', '/threads', {
    body: {
      id: 'summit-a-venue',
      scenario: SCENARIO,
      kind: 'summit',
      title: 'Venue',
      status: 'announced',
      summary: 'A venue.',
      parent: 'summit-a',
    },
  });
  const post = async (name: string, thread: string, body: Record<string, unknown>) =>
    (ids[name] = (await s.call('POST', `/threads/${thread}/updates`, { body })).body.update.id);
  await post('held', 'summit-a', {
    status: 'held',
    summary: 'Held.',
    occurredAt: '2025-07-02T10:00:00Z',
    sources: [{ url: 'https://example.org/held', title: 'Held' }],
  });
  // Reported late: occurred before the update above, recorded after it.
  await post('late', 'summit-a', { status: null, summary: 'An earlier note.', occurredAt: '2025-06-15' });
  await post('claim', 'summit-a', { status: 'postponed', claimedBy: 'kremlin', summary: 'Says postponed.' });
  await post('wrong', 'summit-a', { status: 'cancelled', summary: 'Wrong.', occurredAt: '2025-07-03' });
  await s.call('POST', `/threads/summit-a/updates/${ids.wrong}/retraction`, {
    body: { reason: 'Mistaken.' },
  });
  await s.call('PATCH', `/threads/summit-a/updates/${ids.held}`, {
    body: { summary: 'Held, briefly.', key: true },
  });
  await s.call('PATCH', '/threads/summit-a', { body: { criteria: 'Held: both leaders, one room.' } });
  await s.call('PATCH', '/threads/summit-a', { body: { expected: { what: 'The summit', at: '2025-10' } } });
  await s.call('PATCH', '/threads/summit-a-venue', { body: { archived: true } });
  ids.draft = (
    await s.call('POST', '/threads/summit-a/updates', {
      body: { status: null, summary: 'Drafted.', draft: true },
    })
  ).body.update.id;
  // A news inbox item accepted as a draft: the draft names its item (contract 1.2).
  const pushed = await s.call('POST', '/inbox', {
    body: { scenario: SCENARIO, url: 'https://example.org/summit-talks', title: 'Summit talks go on' },
  });
  ids.inboxDraft = (
    await s.call('POST', `/inbox/${pushed.body.id}/accept`, {
      body: { threadId: 'summit-a', status: null, draft: true },
    })
  ).body.update.id;
  ids.inboxItem = pushed.body.id;
  // Another scenario's thread, whose id an import must not take.
  await s.call('POST', '/threads', {
    body: {
      id: 'elsewhere',
      scenario: 'other-desk',
      kind: 'summit',
      title: 'Elsewhere',
      status: 'announced',
      summary: 'x',
    },
  });
  await recounted(s.ctx);
});

afterAll(async () => {
  source.use();
  await s.close();
});

describe('GET /scenarios/{id}/archive', () => {
  it('needs the admin role: an editor is refused with 403', async () => {
    // Act
    const answer = await s.call('GET', `/scenarios/${SCENARIO}/archive`, { role: 'editor' });
    // Assess
    expect(answer.status).toBe(403);
  });

  it('is 404 for a scenario that does not exist', async () => {
    // Act
    const answer = await archiveOf('no-such-scenario');
    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not_found');
  });

  it('answers NDJSON as an attachment whose first line is the header with the format version', async () => {
    // Act
    const answer = await archiveOf();
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="${SCENARIO}.archive.ndjson"`,
    );
    expect(linesOf(answer.text)[0]).toEqual({
      record: 'archive',
      format: 'scenario-tracker/archive',
      version: 1,
      scenario: SCENARIO,
    });
    expect(answer.text.endsWith('\n')).toBe(true);
  });

  it('holds the scenario, threads with their settings, every update with its wordings and retraction, criteria, claims, drafts and the changes feed', async () => {
    // Act
    const records = linesOf((await archiveOf()).text);
    // Assess
    const of = (record: string) => records.filter((r) => r.record === record);
    expect(of('scenario')).toEqual([
      expect.objectContaining({ id: SCENARIO, title: 'Archive desk', tags: ['desk'] }),
    ]);
    expect(of('thread').map((t) => t.id)).toEqual(['summit-a', 'summit-a-venue']);
    const [summit, venue] = of('thread');
    expect(summit).toMatchObject({
      kind: 'summit',
      keywords: ['summit'],
      criteria: 'Held: both leaders, one room.',
      expected: { what: 'The summit', at: '2025-10-01T00:00:00.000Z', precision: 'month' },
      calendar: { sequence: 1 },
    });
    // Derived state is not archived: an import recomputes it.
    expect(summit).not.toHaveProperty('status');
    expect(venue).toMatchObject({ parent: 'summit-a', archived: true });
    const updates = of('update');
    // Each thread's own first update, and the four posted to summit-a.
    expect(updates.filter((u) => u.threadId === 'summit-a')).toHaveLength(5);
    expect(updates.filter((u) => u.threadId === 'summit-a-venue')).toHaveLength(1);
    expect(updates.map((u) => u.id)).toEqual(
      expect.arrayContaining([ids.held, ids.late, ids.claim, ids.wrong]),
    );
    expect(updates.find((u) => u.id === ids.wrong)).toMatchObject({
      retracted: true,
      retraction: { reason: 'Mistaken.' },
    });
    expect(updates.find((u) => u.id === ids.claim)).toMatchObject({
      claimedBy: 'kremlin',
      status: 'postponed',
    });
    expect(updates.find((u) => u.id === ids.held)).toMatchObject({
      key: true,
      revisionCount: 1,
      summary: 'Held, briefly.',
    });
    expect(of('revision').map((r) => [r.updateId, r.revision, r.summary])).toEqual([
      [ids.held, 0, 'Held.'],
      [ids.held, 1, 'Held, briefly.'],
    ]);
    expect(of('criteria').map((c) => c.text)).toEqual([
      'Held means both leaders in the room.',
      'Held: both leaders, one room.',
    ]);
    expect(of('draft')).toEqual([
      expect.objectContaining({ id: ids.draft, summary: 'Drafted.', published: null }),
      expect.objectContaining({ id: ids.inboxDraft, inboxItem: ids.inboxItem, published: null }),
    ]);
    expect(of('changes').length).toBeGreaterThan(0);
    expect(of('changes').flatMap((c) => c.changes.map((x: { type: string }) => x.type))).toContain(
      'archived',
    );
    // Each thread's records follow it: an update's wordings right after the update.
    const at = (r: Record<string, any>) => records.indexOf(r);
    expect(at(of('revision')[0]!)).toBe(at(updates.find((u) => u.id === ids.held)!) + 1);
  });

  it('gives the same bytes for the same data', async () => {
    // Act
    const [first, second] = [await archiveOf(), await archiveOf()];
    // Assess
    expect(second.text).toBe(first.text);
  });
});

describe('POST /scenarios/import', () => {
  let archive: string;
  let target: Tracker;

  beforeAll(async () => {
    source.use();
    archive = (await archiveOf()).text;
    target = await emptyTracker(s);
    source.use();
  });

  afterEach(() => source.use());

  it('needs the admin role: an editor is refused with 403', async () => {
    // Prepare
    target.use();
    // Act
    const answer = await s.call('POST', '/scenarios/import', {
      role: 'editor',
      body: archive,
      headers: NDJSON,
    });
    // Assess
    expect(answer.status).toBe(403);
  });

  it('takes only application/x-ndjson: 415 otherwise', async () => {
    // Prepare
    target.use();
    // Act
    const answer = await importing(archive, { 'Content-Type': 'application/json' });
    // Assess
    expect(answer.status).toBe(415);
    expect(answer.body.code).toBe('unsupported_media_type');
  });

  it(`refuses a body over ${ARCHIVE_BODY_BYTES} bytes with 413, before reading it`, async () => {
    // Prepare
    target.use();
    const huge = `${archive}${' '.repeat(ARCHIVE_BODY_BYTES)}`;
    // Act
    const answer = await importing(huge);
    // Assess
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expect(await s.call('GET', `/scenarios/${SCENARIO}`, admin)).toMatchObject({ status: 404 });
  });

  it.each([
    [
      'a line that is not JSON',
      (lines: string[]) => lines.splice(3, 1, '{"record":"update",'),
      4,
      'not valid JSON',
    ],
    [
      'an unknown record',
      (lines: string[]) => lines.splice(2, 0, '{"record":"mystery"}'),
      3,
      '"record" must be one of',
    ],
    [
      'a record of the wrong shape',
      (lines: string[]) => lines.splice(1, 1, lines[1]!.replace('"public":false', '"public":"no"')),
      2,
      'public',
    ],
    ['no header first', (lines: string[]) => lines.shift(), 1, 'header'],
    [
      'an update of a thread it has not named',
      (lines: string[]) => lines.splice(2, 1),
      3,
      'no thread record',
    ],
    [
      'a format version it does not know',
      (lines: string[]) => lines.splice(0, 1, lines[0]!.replace('"version":1', '"version":2')),
      1,
      'version',
    ],
    [
      'a scenario id that is reserved (import: GET /scenarios/import is the import route)',
      (lines: string[]) =>
        lines.splice(0, 1, lines[0]!.replace(`"scenario":"${SCENARIO}"`, '"scenario":"import"')),
      1,
      'is reserved',
    ],
    [
      'a thread of a kind this tracker lacks',
      (lines: string[]) => lines.splice(2, 1, lines[2]!.replace('"kind":"summit"', '"kind":"mediation"')),
      3,
      'PUT /kinds/mediation first',
    ],
  ])('refuses %s with 400 naming the line', async (_what, spoil, line, words) => {
    // Prepare
    target.use();
    const lines = archive.split('\n').filter(Boolean);
    spoil(lines);
    // Act
    const answer = await importing(lines.join('\n'));
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('validation_error');
    expect(answer.body.detail).toMatch(new RegExp(`^Line ${line}\\b`));
    expect(answer.body.detail).toContain(words);
    expect(await s.call('GET', `/scenarios/${SCENARIO}`, admin)).toMatchObject({ status: 404 });
  });

  it('is 409 scenario_exists in the tracker that has the scenario', async () => {
    // Act
    const answer = await importing(archive);
    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('scenario_exists');
  });

  it("is 409 thread_exists when a thread id of the archive is another scenario's, and writes nothing", async () => {
    // Prepare: the archive renamed to a scenario the source lacks, its thread ids unchanged.
    const renamed = archive.replaceAll(`"${SCENARIO}"`, '"archive-copy"');
    // Act
    const answer = await importing(renamed);
    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('thread_exists');
    expect(answer.body.detail).toContain('summit-a (scenario archive-desk)');
    expect((await s.call('GET', '/scenarios/archive-copy', admin)).status).toBe(404);
  });

  it('recreates the scenario in an empty tracker with the same ids, times and authors, notifying nobody: its archive is the same document', async () => {
    // Prepare
    source.use();
    indexed(source.ctx);
    const views = await viewsOf();
    target.use();
    // The relay has taken everything before the import.
    await relayed(target.ctx);
    // Act
    const answer = await importing(archive);
    // Assess
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/scenarios/${SCENARIO}`);
    expect(answer.body.imported).toEqual({
      threads: 2,
      updates: 6,
      revisions: 2,
      criteria: 2,
      drafts: 2,
      changes: expect.any(Number),
    });
    expect((await archiveOf()).text).toBe(archive);
    // The search index follows the table's stream, as for any write.
    indexed(target.ctx);
    expect(await viewsOf()).toEqual(views);
    expect(views[`/search?q=briefly&scenario=${SCENARIO}`]!.body.items.length).toBeGreaterThan(0);
    // No event went out: the relay found nothing to publish.
    expect(await relayed(target.ctx)).toBe(0);
  });
});

describe('an interrupted import', () => {
  it('leaves no scenario (404, not listed) and is finished by sending the archive again', async () => {
    // Prepare
    source.use();
    const archive = (await archiveOf()).text;
    const target = await emptyTracker(s);
    const finish = jest.spyOn(target.ctx.archives, 'finish').mockRejectedValueOnce(new Error('interrupted'));
    // Act
    const failed = await importing(archive);
    const between = await s.call('GET', `/scenarios/${SCENARIO}`, admin);
    const listed = await s.call('GET', '/scenarios', admin);
    const retried = await importing(archive);
    // Assess
    expect(failed.status).toBe(500);
    expect(between.status).toBe(404);
    expect(listed.body.items.map((x: { id: string }) => x.id)).not.toContain(SCENARIO);
    expect(retried.status).toBe(201);
    expect((await archiveOf()).text).toBe(archive);
    finish.mockRestore();
    source.use();
  });
});

/** What readers see of the scenario: the views an import must answer the same. */
async function viewsOf() {
  const get = async (path: string) => {
    const r = await s.call('GET', path, admin);
    return { status: r.status, etag: r.headers.get('etag'), body: r.body ?? r.text };
  };
  const paths = [
    `/scenarios/${SCENARIO}`,
    `/threads?scenario=${SCENARIO}&archived=any`,
    `/scenarios/${SCENARIO}/calendar.ics`,
    `/threads/summit-a`,
    `/threads/summit-a?asOf=2025-07-02T12:00:00Z`,
    `/threads/summit-a/updates?limit=100`,
    `/threads/summit-a/criteria`,
    `/threads/summit-a/updates/${ids.held}/revisions`,
    `/threads/summit-a-venue`,
    `/threads/summit-a/updates?drafts=true`,
    // An update's wording (the amended one) and a retracted update's, found as before.
    `/search?q=briefly&scenario=${SCENARIO}`,
    `/search?q=wrong&scenario=${SCENARIO}`,
  ];
  return Object.fromEntries(await Promise.all(paths.map(async (p) => [p, await get(p)])));
}
