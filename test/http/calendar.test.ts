import ICAL from 'ical.js';
import { CANCELLED_KEPT_DAYS } from '../../shared/domain/calendar';
import { tick, useFakeDate } from '../support/fake-date';
import { startTestServer, type TestServer } from '../support/server';

/** The calendar of expected events (contract 1.2), built with `ics` and read back with ical.js. */
let s: TestServer;

const basic = (password: string) => ({
  Authorization: `Basic ${Buffer.from(`desk:${password}`).toString('base64')}`,
});

const thread = (id: string, expected?: { what: string; at: string }) =>
  s.call('POST', '/threads', {
    body: {
      id,
      scenario: 'calendar-desk',
      kind: 'summit',
      title: `Thread ${id}`,
      status: 'announced',
      summary: 'Announced.',
      occurredAt: '2025-05-01',
      ...(expected ? { expected } : {}),
    },
  });
const expect_ = (id: string, expected: { what: string; at: string } | null) =>
  s.call('PATCH', `/threads/${id}`, { body: { expected } });

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
  // Prepare: one thread per precision, one moved twice, one cleared, one never expecting anything.
  await thread('by-day', { what: 'Summit in Istanbul', at: '2025-09-15' });
  await thread('by-instant', { what: 'Call at 14:30', at: '2025-09-15T14:30:00Z' });
  await thread('by-month');
  await expect_('by-month', { what: 'Sanctions package', at: '2025-12' });
  await thread('by-year');
  await expect_('by-year', { what: 'Elections', at: '2026' });
  await thread('moved', { what: 'Exchange', at: '2025-09-01' });
  await expect_('moved', { what: 'Exchange', at: '2025-09-20' });
  await expect_('moved', { what: 'Exchange, second stage', at: '2025-10-02' });
  await thread('cleared', { what: 'Meeting in Budapest', at: '2025-10-30' });
  await expect_('cleared', null);
  await thread('never');
});
afterAll(() => s.close());

interface Parsed {
  uid: string;
  summary: string;
  description: string;
  sequence: number;
  status: string | null;
  start: string;
  startIsDate: boolean;
  end: string | null;
}

function parse(text: string): Map<string, Parsed> {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const out = new Map<string, Parsed>();
  for (const v of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(v);
    const start = v.getFirstPropertyValue('dtstart') as ICAL.Time;
    const end = v.getFirstPropertyValue('dtend') as ICAL.Time | null;
    out.set(event.uid, {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      sequence: event.sequence,
      status: (v.getFirstPropertyValue('status') as string | null) ?? null,
      start: start.toString(),
      startIsDate: start.isDate,
      end: end ? end.toString() : null,
    });
  }
  return out;
}

describe('GET /scenarios/{id}/calendar.ics', () => {
  it('gives one event per thread whose expected is or was set, each at its precision', async () => {
    // Act
    const res = await s.call('GET', '/scenarios/calendar-desk/calendar.ics', {
      role: null,
      headers: basic(s.tokens.reader),
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.text).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    const events = parse(res.text);
    expect([...events.keys()].sort()).toEqual(
      ['by-day', 'by-instant', 'by-month', 'by-year', 'cleared', 'moved'].map(
        (id) => `${id}@scenario-tracker`,
      ),
    );
    expect(events.get('by-day@scenario-tracker')).toMatchObject({
      summary: 'Summit in Istanbul',
      description: 'Thread by-day\nStatus: announced',
      sequence: 0,
      status: null,
      start: '2025-09-15',
      startIsDate: true,
      end: '2025-09-16',
    });
    expect(events.get('by-instant@scenario-tracker')).toMatchObject({
      summary: 'Call at 14:30',
      start: '2025-09-15T14:30:00Z',
      startIsDate: false,
      end: null,
    });
    expect(events.get('by-month@scenario-tracker')).toMatchObject({
      summary: 'Sanctions package',
      sequence: 1,
      start: '2025-12-01',
      startIsDate: true,
      end: '2026-01-01',
    });
    expect(events.get('by-year@scenario-tracker')).toMatchObject({
      summary: 'Elections',
      start: '2026-01-01',
      end: '2027-01-01',
    });
  });

  it('raises SEQUENCE on every change of expected and keeps a cleared one as CANCELLED', async () => {
    // Act
    const events = parse(
      (await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: 'reader' })).text,
    );
    // Assess
    expect(events.get('moved@scenario-tracker')).toMatchObject({
      summary: 'Exchange, second stage',
      sequence: 2,
      status: null,
      start: '2025-10-02',
      end: '2025-10-03',
    });
    expect(events.get('cleared@scenario-tracker')).toMatchObject({
      summary: 'Meeting in Budapest',
      sequence: 1,
      status: 'CANCELLED',
      start: '2025-10-30',
      end: '2025-10-31',
    });
  });

  it('takes the event back from cancelled when expected is set again, one SEQUENCE on', async () => {
    // Prepare
    await thread('revived', { what: 'Talks', at: '2025-11-01' });
    await expect_('revived', null);
    // Act
    await expect_('revived', { what: 'Talks resume', at: '2025-11-15' });
    const events = parse(
      (await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: 'reader' })).text,
    );
    // Assess
    expect(events.get('revived@scenario-tracker')).toMatchObject({
      summary: 'Talks resume',
      sequence: 2,
      status: null,
      start: '2025-11-15',
    });
  });

  it('keeps SEQUENCE and the event when other writes touch the thread', async () => {
    // Prepare
    await s.call('POST', '/threads/moved/updates', { body: { status: 'scheduled', summary: 'Scheduled.' } });
    await s.call('PATCH', '/threads/moved', { body: { title: 'Exchange of prisoners' } });
    // Act
    const events = parse(
      (await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: 'reader' })).text,
    );
    // Assess
    expect(events.get('moved@scenario-tracker')).toMatchObject({
      sequence: 2,
      description: 'Exchange of prisoners\nStatus: scheduled',
    });
  });

  it('keeps a cleared expected for 30 days with STATUS:CANCELLED, then drops the event', async () => {
    // Prepare: the clock under the test's hand from the clearing on.
    useFakeDate();
    try {
      await thread('dropped', { what: 'Talks in Riyadh', at: '2025-12-01' });
      await expect_('dropped', null);
      const day = 86_400_000;
      const read = async () =>
        parse((await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: 'reader' })).text);
      // Act
      tick(CANCELLED_KEPT_DAYS * day - 60_000);
      const lastMinute = await read();
      tick(60_000);
      const after = await read();
      // Assess
      expect(CANCELLED_KEPT_DAYS).toBe(30);
      expect(lastMinute.get('dropped@scenario-tracker')).toMatchObject({
        summary: 'Talks in Riyadh',
        status: 'CANCELLED',
        sequence: 1,
      });
      expect(after.has('dropped@scenario-tracker')).toBe(false);
      expect(after.has('by-day@scenario-tracker')).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers 304 to its ETag, 401 without a token, 404 for no scenario', async () => {
    // Prepare
    const first = await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: 'reader' });
    // Act
    const again = await s.call('GET', '/scenarios/calendar-desk/calendar.ics', {
      role: 'reader',
      headers: { 'If-None-Match': first.headers.get('etag')! },
    });
    const anonymous = await s.call('GET', '/scenarios/calendar-desk/calendar.ics', { role: null });
    const wrongPassword = await s.call('GET', '/scenarios/calendar-desk/calendar.ics', {
      role: null,
      headers: basic('not-a-token'),
    });
    const missing = await s.call('GET', '/scenarios/no-such-desk/calendar.ics', { role: 'reader' });
    // Assess
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthorized');
    // HTTP Basic as for feeds: a calendar client is told it may answer with a user name and password.
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic realm="Scenario Tracker"');
    expect(wrongPassword.status).toBe(401);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });
});
