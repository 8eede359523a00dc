import Ajv from 'ajv';
import { PRECISIONS } from '../../shared/domain/time';
import profile from '../fixtures/datapackage/datapackage-2.0.schema.json';
import { parseRfc4180 } from '../support/rfc4180';
import { startTestServer, type TestServer } from '../support/server';

/** The CSV export's Frictionless Data Package (contract 1.2), checked against the official profile. */
let s: TestServer;
const reader = { role: 'reader' as const };

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
  // Prepare: a scenario with a titled item, a thread, a note, a month-precision update, a retraction.
  await s.call('POST', '/scenarios', { body: { id: 'package-desk', title: 'Package desk' } });
  await s.call('POST', '/threads', {
    body: {
      id: 'ceasefire',
      scenario: 'package-desk',
      kind: 'ceasefire',
      title: 'Ceasefire',
      status: 'proposed',
      summary: 'Proposed, "30 days".',
      occurredAt: '2025-05-10T08:00:00Z',
      sources: [{ url: 'https://example.org/a' }],
    },
  });
  await s.call('POST', '/threads/ceasefire/updates', {
    body: { status: null, summary: 'A note.', occurredAt: '2025-06' },
  });
  const wrong = await s.call('POST', '/threads/ceasefire/updates', {
    body: { status: 'agreed', summary: 'Wrong.', occurredAt: '2025-06-02' },
  });
  await s.call('POST', `/threads/ceasefire/updates/${wrong.body.update.id}/retraction`, {
    body: { reason: 'Misreported.' },
  });
});
afterAll(() => s.close());

interface Field {
  name: string;
  type: string;
  constraints?: { required?: boolean; enum?: string[] };
}

/** Whether a CSV cell is a value of the field, as a Table Schema reader would cast it. */
const conforms = (field: Field, cell: string): boolean => {
  if (cell === '') return field.constraints?.required !== true;
  if (field.constraints?.enum && !field.constraints.enum.includes(cell)) return false;
  if (field.type === 'boolean') return cell === 'true' || cell === 'false';
  if (field.type === 'datetime') return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(cell);
  return field.type === 'string';
};

describe('GET /scenarios/{id}/datapackage.json', () => {
  it('validates against the Data Package 2.0 profile', async () => {
    // Act
    const res = await s.call('GET', '/scenarios/package-desk/datapackage.json', reader);
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // `textarea` is the profile's hint to form editors (a multi-line string), not a constraint.
    const validate = new Ajv({ allErrors: true }).addFormat('textarea', () => true).compile(profile);
    expect(validate(res.body) ? [] : validate.errors).toEqual([]);
    expect(res.body.title).toBe('Package desk');
  });

  it('describes the CSV export: its URL, its columns in order, a type for each, the precisions as an enum', async () => {
    // Act
    const pkg = (await s.call('GET', '/scenarios/package-desk/datapackage.json', reader)).body;
    const resource = pkg.resources[0];
    const csv = await s.call('GET', new URL(resource.path).pathname + new URL(resource.path).search, reader);
    // Assess
    expect(resource.path).toBe(`${s.url}/scenarios/package-desk/export?format=csv`);
    expect(resource).toMatchObject({
      type: 'table',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
    });
    const fields: Field[] = resource.schema.fields;
    const [header, ...rows] = parseRfc4180(csv.text);
    expect(fields.map((f) => f.name)).toEqual(header);
    expect(fields.find((f) => f.name === 'occurred_precision')!.constraints!.enum).toEqual([...PRECISIONS]);
    expect(resource.schema.primaryKey).toEqual(['update_id']);
    expect(rows).toHaveLength(3);
    // Every cell of the export is a value of its field.
    const misfits = rows.flatMap((row) =>
      row.flatMap((cell, i) => (conforms(fields[i]!, cell) ? [] : [`${fields[i]!.name}=${cell}`])),
    );
    expect(misfits).toEqual([]);
  });

  it('answers 304 to its own ETag, 404 for a scenario with no item and no thread, and 401 without a reader token', async () => {
    // Prepare
    const first = await s.call('GET', '/scenarios/package-desk/datapackage.json', reader);
    // Act
    const again = await s.call('GET', '/scenarios/package-desk/datapackage.json', {
      ...reader,
      headers: { 'If-None-Match': first.headers.get('etag')! },
    });
    const missing = await s.call('GET', '/scenarios/no-such-desk/datapackage.json', reader);
    const anonymous = await s.call('GET', '/scenarios/package-desk/datapackage.json', { role: null });
    // Assess
    expect(first.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(again.status).toBe(304);
    expect(missing.status).toBe(404);
    // A reader's route: no token, no package.
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthorized');
  });
});
