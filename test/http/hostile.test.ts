import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import * as z from 'zod/mini';
import {
  CreateThreadSchema,
  CreateTokenSchema,
  CreateUpdateSchema,
  LIMITS,
  PatchThreadSchema,
  RetractionSchema,
} from '../../shared/domain/schemas';
import { matchHits, noneMatchHits } from '../../shared/http/etag';
import { rawRequest, type RawResponse } from '../support/raw-http';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Hostile input against the running local server. Whatever arrives, every answer is a 2xx or a
 * problem+json 4xx with a code from the contract's table, never a 5xx, never a stack trace, and
 * nothing is written: the seeded threads keep their version and their updates, no thread or token
 * appears, and Object.prototype stays clean. (One property writes on purpose, to its own thread,
 * and accounts for every accepted write.)
 */

const CODES: Record<number, string[]> = {
  400: ['validation_error'],
  401: ['unauthorized'],
  403: ['forbidden'],
  404: ['not_found', 'no_status_at_time'],
  405: ['method_not_allowed'],
  409: [
    'thread_exists',
    'token_exists',
    'already_retracted',
    'cannot_retract_last_status',
    'idempotency_in_progress',
  ],
  412: ['precondition_failed'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  422: ['invalid_status', 'idempotency_key_mismatch'],
  429: ['too_many_requests'],
};

const TARGET = 'prisoner-exchange';
const NOTES_THREAD = 'hostile-notes';
const JSON_TYPE = 'application/json; charset=utf-8';

// Over 2,000 generated requests: generous time, so a busy machine slows the run rather than failing it.
jest.setTimeout(180_000);

let s: TestServer;
let seedUpdateId: string;
let before: string;
let prototypeBefore: string[];

interface Snapshot {
  threads: { id: string; version: number; updatedAt: string; updates: unknown[] }[];
  tokens: string[];
}

/** Everything the hostile requests must leave alone, read straight from the store. */
async function snapshot(): Promise<string> {
  const page = await s.ctx.threads.listThreads({}, 100);
  const threads: Snapshot['threads'] = [];
  for (const t of page.items.filter((t) => t.id !== NOTES_THREAD)) {
    threads.push({
      id: t.id,
      version: t.version,
      updatedAt: t.updatedAt,
      updates: (await s.ctx.threads.listUpdates(t.id, 100)).items,
    });
  }
  const tokens = (await s.ctx.tokens.list()).map((t) => `${t.name}:${t.role}:${t.createdAt}`).sort();
  return JSON.stringify({ threads, tokens } satisfies Snapshot);
}

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  seedUpdateId = (await s.ctx.threads.listUpdates(TARGET, 10)).items[0]!.id;
  const notes = await s.call('POST', '/threads', {
    body: {
      id: NOTES_THREAD,
      scenario: 'hostile',
      kind: 'other',
      title: 'Notes',
      status: 'active',
      summary: 'Start.',
    },
  });
  expect(notes.status).toBe(201);
  before = await snapshot();
  prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
});
afterAll(async () => s.close());

/** Nothing the hostile requests sent was written, and no prototype was touched. */
async function expectNothingWritten(): Promise<void> {
  expect(await snapshot()).toBe(before);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
}

const header = (r: RawResponse, name: string): string | undefined => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
};

/**
 * The rules every response obeys. `allowSuccess` is false for requests that must not be accepted
 * (a 2xx there would be a write, or a leak).
 */
function expectSafeResponse(r: RawResponse, allowSuccess: boolean): void {
  expect(r.status).toBeGreaterThanOrEqual(200);
  expect(r.status).toBeLessThan(500);
  expect(header(r, 'x-content-type-options')).toBe('nosniff');
  expect(header(r, 'x-powered-by')).toBeUndefined();
  expect(header(r, 'server')).toBeUndefined();
  expect(r.text).not.toMatch(/\n\s+at [^\n]*:\d+:\d+|node_modules|\/work\/main/);
  if (r.status < 400) {
    expect(allowSuccess).toBe(true);
    return;
  }
  expect(header(r, 'content-type')).toMatch(/^application\/problem\+json/);
  const body = r.body as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status: r.status,
      detail: expect.any(String),
      code: expect.any(String),
    }),
  );
  expect(CODES[r.status]).toContain(body.code);
  expect(
    Object.keys(body).every((k) => ['type', 'title', 'status', 'detail', 'code', 'errors'].includes(k)),
  ).toBe(true);
  if (body.errors !== undefined) {
    for (const e of body.errors as unknown[])
      expect(e).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  if (r.status === 401) expect(header(r, 'www-authenticate')).toBe('Bearer');
}

const auth = (role: keyof TestServer['tokens'] = 'admin') => ({ Authorization: `Bearer ${s.tokens[role]}` });

const send = (
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
) =>
  rawRequest(s.url, {
    method,
    path,
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
  });

/** The write routes, each with the schema that decides whether a body is acceptable. */
const writeTargets = (): { method: string; path: string; schema: z.ZodMiniType }[] => [
  { method: 'POST', path: '/threads', schema: CreateThreadSchema },
  { method: 'PATCH', path: `/threads/${TARGET}`, schema: PatchThreadSchema },
  { method: 'POST', path: `/threads/${TARGET}/updates`, schema: CreateUpdateSchema },
  { method: 'POST', path: `/threads/${TARGET}/updates/${seedUpdateId}/retraction`, schema: RetractionSchema },
  { method: 'POST', path: '/tokens', schema: CreateTokenSchema },
];
/** Shown by fast-check as "POST /threads" rather than as a zod schema. */
const writeTarget = () =>
  fc.integer({ min: 0, max: 4 }).map((i) => {
    const target = writeTargets()[i]!;
    return Object.assign(target, { [fc.toStringMethod]: () => `${target.method} ${target.path}` });
  });

const VALID_UPDATE = {
  status: 'in_progress',
  summary: 'First stage.',
  occurredAt: '2025-05-23T12:00:00Z',
  sources: [{ url: 'https://example.org/a' }],
  quotes: [{ speaker: 'A', text: 'B' }],
};

const accepted = (schema: z.ZodMiniType, value: unknown): boolean => z.safeParse(schema, value).success;

/** Characters that break naive code: lone surrogates, NUL and other controls, quotes, backslashes, astral code points. */
const nastyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\u0000',
      '\u0001',
      '\n',
      '\r',
      '\t',
      '"',
      '\\',
      '\u2028',
      '\u2029',
      '\ufeff',
      '\uffff',
      '😀',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
    ),
  },
);
const nastyString = (maxLength: number) => fc.string({ unit: nastyChar, maxLength });

const codePoints = (text: string): number => [...text].length;

/** Header values a client can legally send (HTTP field values: tab, visible ASCII, obs-text). */
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 200,
});
/** What the server sees of a header value: HTTP strips surrounding spaces and tabs. */
const asReceived = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');

describe('hostile request bodies', () => {
  it('answers every arbitrary JSON value with 400 validation_error and writes nothing', async () => {
    // Prepare
    const bodies = fc.oneof(
      fc.jsonValue(),
      // A valid body with arbitrary extra fields: unknown fields are rejected, never dropped.
      fc
        .dictionary(fc.string(), fc.jsonValue(), { minKeys: 1, maxKeys: 3 })
        .map((extra) => ({ ...VALID_UPDATE, ...extra })),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), bodies, async (target, value) => {
        fc.pre(!accepted(target.schema, value));
        const r = await send(target.method, target.path, {
          headers: { ...auth(), 'Content-Type': JSON_TYPE },
          body: JSON.stringify(value),
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('validation_error');
        expect(r.body.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    await expectNothingWritten();
  });

  it('answers arbitrary text bodies (NULs, controls, replacement characters) with 400 and writes nothing', async () => {
    // Prepare
    const texts = fc.oneof(
      nastyString(300),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
      fc.constantFrom('', ' ', '\u0000', 'null', '[]', '{}', '""', '{"summary":', '\ufeff{}'),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), texts, async (target, text) => {
        let parsed: unknown = undefined;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON: fine */
        }
        fc.pre(!accepted(target.schema, parsed));
        const r = await send(target.method, target.path, {
          headers: { ...auth(), 'Content-Type': JSON_TYPE },
          body: text,
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(400);
      }),
      { numRuns: 250 },
    );
    await expectNothingWritten();
  });

  it('accepts a string field exactly when it is well-formed Unicode of an allowed length, and stores it unchanged', async () => {
    // Prepare
    const start = (await s.ctx.threads.getThread(NOTES_THREAD))!;
    let writes = 0;
    let updates = 0;
    const field = fc.oneof(
      fc.record({ kind: fc.constant('summary' as const), text: nastyString(40) }),
      fc.record({
        kind: fc.constant('title' as const),
        text: fc.oneof(
          nastyString(20),
          fc.integer({ min: 190, max: 210 }).chain((n) => nastyString(n).map((t) => t.padEnd(n, 'x'))),
        ),
      }),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(field, async ({ kind, text }) => {
        const path = kind === 'summary' ? `/threads/${NOTES_THREAD}/updates` : `/threads/${NOTES_THREAD}`;
        const body = kind === 'summary' ? { summary: text } : { title: text };
        const r = await send(kind === 'summary' ? 'POST' : 'PATCH', path, {
          headers: { ...auth('editor'), 'Content-Type': JSON_TYPE },
          body: JSON.stringify(body),
        });

        // Assess
        expectSafeResponse(r, true);
        const max = kind === 'summary' ? LIMITS.summary : LIMITS.title;
        // Required texts must hold something visible: only white space, controls or format characters is blank.
        const blank = /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u.test(text);
        const valid = text.isWellFormed() && codePoints(text) >= 1 && !blank && codePoints(text) <= max;
        if (valid) {
          expect(r.status).toBe(kind === 'summary' ? 201 : 200);
          expect(kind === 'summary' ? r.body.update.summary : r.body.title).toBe(text);
          writes++;
          if (kind === 'summary') updates++;
        } else {
          expect(r.status).toBe(400);
          expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual([kind]);
        }
      }),
      { numRuns: 150 },
    );

    // Assess
    const end = (await s.ctx.threads.getThread(NOTES_THREAD))!;
    expect(end.version).toBe(start.version + writes);
    expect(end.updateCount).toBe(start.updateCount + updates);
    await expectNothingWritten();
  });

  it('answers deeply nested JSON with 400, or 413 when it is over the size limit, and writes nothing', async () => {
    // Prepare
    const nested = fc.record({
      opener: fc.constantFrom('[', '{"a":', '{"__proto__":', '{"constructor":', '{"summary":'),
      depth: fc.integer({ min: 1, max: 30_000 }),
      wrap: fc.boolean(),
      balanced: fc.boolean(),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), nested, async (target, { opener, depth, wrap, balanced }) => {
        const closer = opener === '[' ? ']' : '}';
        const inner =
          opener.repeat(depth) +
          '1' +
          (balanced ? closer.repeat(depth) : closer.repeat(Math.floor(depth / 2)));
        const text = wrap
          ? `{"summary":"x","reason":"x","name":"x","role":"reader","title":"x","extra":${inner}}`
          : inner;
        const r = await send(target.method, target.path, {
          headers: { ...auth(), 'Content-Type': JSON_TYPE },
          body: text,
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(Buffer.byteLength(text) > LIMITS.bodyBytes ? 413 : 400);
      }),
      { numRuns: 100 },
    );
    await expectNothingWritten();
  });

  it('answers any body over 64 KiB with 413 payload_too_large, whatever its type, and writes nothing', async () => {
    // Prepare
    const huge = fc.record({
      size: fc.oneof(
        fc.integer({ min: LIMITS.bodyBytes + 1, max: LIMITS.bodyBytes + 2048 }),
        fc.integer({ min: LIMITS.bodyBytes + 2048, max: 1_000_000 }),
      ),
      json: fc.boolean(),
      type: fc.constantFrom(JSON_TYPE, 'text/plain', undefined),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), huge, async (target, { size, json, type }) => {
        const body = json ? Buffer.from(`{"summary":"${'x'.repeat(size - 14)}"}`) : Buffer.alloc(size, 0xff);
        const r = await send(target.method, target.path, {
          headers: { ...auth(), ...(type ? { 'Content-Type': type } : {}) },
          body,
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(413);
        expect(r.body.code).toBe('payload_too_large');
      }),
      { numRuns: 40 },
    );
    await expectNothingWritten();
  });

  it('takes a body of exactly 64 KiB as a body (400 for its too-long summary), not as too large', async () => {
    // Prepare
    const body = `{"summary":"${'x'.repeat(LIMITS.bodyBytes - 14)}"}`;
    expect(Buffer.byteLength(body)).toBe(LIMITS.bodyBytes);

    // Act
    const r = await send('POST', `/threads/${TARGET}/updates`, {
      headers: { ...auth('editor'), 'Content-Type': JSON_TYPE },
      body,
    });

    // Assess
    expectSafeResponse(r, false);
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'summary', message: expect.stringMatching(/at most 4000/) }]);
    await expectNothingWritten();
  });

  it('answers a body sent as anything but JSON in UTF-8 with 415, and writes nothing', async () => {
    // Prepare: a valid update, made conditional on an ETag that never matches, so an accepted type gets 412.
    const known = fc.constantFrom(
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/jsonx',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=utf-16le',
      'application/json;charset=utf-8;charset=latin1',
      'application/json, text/plain',
      'json',
      'application/*',
      '*/*',
      '',
      ' ',
      'application/json; charset',
      'application/json; charset=',
      'application/json; boundary=utf-8',
    );
    const types = fc.oneof(
      known.map((type) => ({ type, expected: 415 as number | undefined })),
      headerValue.map((type) => ({ type, expected: undefined })),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(types, async ({ type, expected }) => {
        const r = await send('POST', `/threads/${TARGET}/updates`, {
          headers: { ...auth('editor'), 'Content-Type': type, 'If-Match': '"v0"' },
          body: JSON.stringify(VALID_UPDATE),
        });

        // Assess
        expectSafeResponse(r, false);
        if (expected !== undefined) expect(r.status).toBe(expected);
        else expect([412, 415]).toContain(r.status);
      }),
      { numRuns: 150 },
    );
    await expectNothingWritten();
  });

  it('still takes JSON in UTF-8 however the type is spelt (the If-Match that never matches then gives 412)', async () => {
    // Prepare
    const spellings = [
      'application/json',
      'APPLICATION/JSON',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
    ];

    // Act
    const results = await Promise.all(
      spellings.map((type) =>
        send('POST', `/threads/${TARGET}/updates`, {
          headers: { ...auth('editor'), 'Content-Type': type, 'If-Match': '"v0"' },
          body: JSON.stringify(VALID_UPDATE),
        }),
      ),
    );

    // Assess
    for (const r of results) {
      expectSafeResponse(r, false);
      expect(r.status).toBe(412);
    }
    await expectNothingWritten();
  });

  it('answers bodies with invalid UTF-8 bytes with 400 "is not valid UTF-8" and writes nothing', async () => {
    // Prepare
    const badSequence = fc.constantFrom(
      [0xff],
      [0xfe],
      [0x80],
      [0xbf],
      [0xc0, 0xaf],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xe2, 0x82],
      [0xc3],
    );
    const bodies = fc.record({
      text: fc.constantFrom(
        JSON.stringify(VALID_UPDATE),
        '{"reason":"a retraction"}',
        '{"name":"a-token","role":"admin"}',
        '{"title":"t"}',
      ),
      at: fc.nat(),
      bad: fc.array(badSequence, { minLength: 1, maxLength: 3 }),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), bodies, async (target, { text, at, bad }) => {
        const bytes = Buffer.from(text, 'utf8');
        const cut = 2 + (at % (bytes.length - 4)); // inside the JSON, never splitting a character (the texts are ASCII)
        const body = Buffer.concat([bytes.subarray(0, cut), Buffer.from(bad.flat()), bytes.subarray(cut)]);
        // Two fragments can make a valid character together (E2 82 + BF is U+20BF): those are not this property's business.
        fc.pre(!isUtf8(body));
        const r = await send(target.method, target.path, {
          headers: { ...auth(), 'Content-Type': JSON_TYPE },
          body,
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(400);
        expect(r.body.errors).toEqual([{ path: '(body)', message: 'is not valid UTF-8' }]);
      }),
      { numRuns: 150 },
    );
    await expectNothingWritten();
  });

  it('rejects __proto__, constructor and prototype keys at any depth with 400, writes nothing and pollutes no prototype', async () => {
    // Prepare
    const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const payload = fc.oneof(
      fc.constant({ polluted: 'yes', role: 'admin', status: 'completed', isAdmin: true }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    /** A value with a prototype key somewhere inside, `depth` objects or arrays down. */
    const poisoned = (depth: number): fc.Arbitrary<unknown> =>
      depth === 0
        ? fc.tuple(protoKey, payload).map(([k, v]) => objectWith(k, v))
        : fc
            .tuple(
              fc.oneof(protoKey, fc.constantFrom('a', 'sources', 'quotes', '0')),
              poisoned(depth - 1),
              fc.boolean(),
            )
            .map(([k, v, asArray]) => (asArray ? [v] : objectWith(k, v)));
    const places = fc.integer({ min: 0, max: 4 }).chain((depth) =>
      fc.oneof(
        // At the top of the body, beside otherwise valid fields.
        fc.tuple(protoKey, poisoned(depth)).map(([k, v]) => ({
          ...VALID_UPDATE,
          name: 'x-y',
          role: 'reader',
          reason: 'r',
          title: 't',
          ...objectWith(k, v),
        })),
        // Inside a source or a quote.
        poisoned(depth).map((v) => ({
          ...VALID_UPDATE,
          sources: [{ url: 'https://example.org/a', ...(v as object) }],
        })),
        poisoned(depth).map((v) => ({
          ...VALID_UPDATE,
          quotes: [{ speaker: 'A', text: 'B', ...(v as object) }],
        })),
        // As the whole body.
        poisoned(depth),
      ),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(writeTarget(), places, async (target, value) => {
        const text = JSON.stringify(value);
        fc.pre(/"(__proto__|constructor|prototype)"/.test(text));
        const r = await send(target.method, target.path, {
          headers: { ...auth(), 'Content-Type': JSON_TYPE },
          body: text,
        });

        // Assess
        expectSafeResponse(r, false);
        expect(r.status).toBe(400);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      }),
      { numRuns: 250 },
    );
    await expectNothingWritten();
  });
});

/** An object with `key` as an own, enumerable property, even when the key is __proto__. */
function objectWith(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

describe('hostile paths, query strings and headers', () => {
  const percentJunk = fc
    .uint8Array({ maxLength: 24 })
    .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
  const visibleJunk = fc.string({
    unit: fc
      .integer({ min: 0x21, max: 0xff })
      .filter((c) => c !== 0x2f && c !== 0x3f && c !== 0x23)
      .map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  const segment = fc.oneof(
    percentJunk,
    visibleJunk,
    fc.constantFrom(
      '',
      '.',
      '..',
      '%2e',
      '%2E%2E',
      '.%2e',
      '%2F',
      '..%2F..%2Ftokens',
      '%',
      '%Z',
      '%2',
      '%%',
      '%00',
      '%C0%AF',
      '%ED%A0%80',
      '%E0%A4%A',
      '%F0%9F%98',
      'ceasefire',
      'CEASEFIRE',
      'ceasefire%20',
      'prisoner-exchange%00',
      '__proto__',
      'constructor',
      'local-admin%00',
      '%6Cocal-admin',
      'a'.repeat(65),
    ),
    fc.integer({ min: 100, max: 6000 }).map((n) => 'a'.repeat(n)),
  );
  const templates = [
    '/threads/{s}',
    '/threads/{s}/updates',
    `/threads/${TARGET}/updates/{s}`,
    `/threads/${TARGET}/updates/{s}/retraction`,
    '/threads/{s}/updates/{s}',
    '/tokens/{s}',
    '/{s}',
    '/threads/{s}/',
    '/{s}/threads',
    '/threads/{s}/updates/{s}/retraction',
    '/ui/{s}',
    '/ui/../{s}',
  ];

  it('answers arbitrary path segments and methods without a 5xx, with problem details, and writes nothing', async () => {
    // Prepare
    const tokenNames = (await s.ctx.tokens.list()).map((t) => t.name);
    const request = fc.record({
      template: fc.constantFrom(...templates),
      segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'TRACE', 'OPTIONS'),
      role: fc.constantFrom('reader' as const, 'editor' as const, 'admin' as const),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(request, async ({ template, segments, method, role }) => {
        let i = 0;
        const path = template.replace(/\{s\}/g, () => segments[i++]!);
        // A DELETE that names a real token would be a legitimate revocation, not a hostile one.
        let decoded: string | null = null;
        try {
          decoded = decodeURIComponent(path.split('/').pop()!);
        } catch {
          /* junk */
        }
        fc.pre(!(method === 'DELETE' && decoded !== null && tokenNames.includes(decoded)));
        const r = await send(method, path, {
          headers: { ...auth(role), 'Content-Type': JSON_TYPE },
          ...(method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? {} : { body: '{}' }),
        });

        // Assess
        expectSafeResponse(r, method === 'GET');
      }),
      { numRuns: 250 },
    );
    await expectNothingWritten();
  });

  it('answers requests that are not HTTP (raw non-ASCII target, 20 KiB of headers) with a problem+json 400', async () => {
    // Prepare
    const requests = [
      { method: 'GET', path: `/threads/${TARGET}\u00e9`, headers: auth() },
      { method: 'GET', path: '/threads?kind=\u00ff', headers: auth() },
      { method: 'GET', path: `/threads/${TARGET}`, headers: { ...auth(), 'X-Padding': 'p'.repeat(20_000) } },
      {
        method: 'POST',
        path: `/threads/${TARGET}/updates`,
        headers: { ...auth(), 'Content-Type': JSON_TYPE, 'If-Match': `"${'v'.repeat(20_000)}"` },
        body: JSON.stringify(VALID_UPDATE),
      },
    ];

    // Act
    const results = [];
    for (const r of requests) results.push(await send(r.method, r.path, r));

    // Assess
    for (const r of results) {
      expectSafeResponse(r, false);
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ path: '(request)', message: 'could not be parsed' }]);
    }
    await expectNothingWritten();
  });

  it('answers odd query strings with 200 or 400 naming a parameter, never a 5xx, and writes nothing', async () => {
    // Prepare
    const key = fc.oneof(
      fc.constantFrom(
        'scenario',
        'kind',
        'status',
        'stale',
        'updatedSince',
        'limit',
        'nextToken',
        'asOf',
        'knownAt',
        '__proto__',
        'constructor',
        'prototype',
        'hasOwnProperty',
        'toString',
        'valueOf',
        '',
        'limit[]',
        'a[b]',
      ),
      percentJunk,
      visibleJunk.filter((k) => !/[&=]/.test(k)),
    );
    const value = fc.oneof(
      fc.constantFrom(
        '',
        '0',
        '1',
        '-1',
        '101',
        '1e2',
        '50.0',
        'true',
        'TRUE',
        'null',
        'undefined',
        'NaN',
        'agreed',
        'summit',
        '2025-05-16T00:00:00Z',
        '2025-05-16T00:00:00%2B03:00',
        '2025-02-30T00:00:00Z',
        '0000-00-00T00:00:00Z',
        '9999-12-31T23:59:59Z',
        'e30.e30',
        'x.y.z',
        '%',
        '%ZZ',
        '%ED%A0%80',
        '%00',
      ),
      percentJunk,
      visibleJunk.filter((v) => !/[&=#]/.test(v)),
      fc.integer({ min: 100, max: 3000 }).map((n) => 'A'.repeat(n)),
    );
    const query = fc.oneof(
      fc
        .array(fc.tuple(key, value), { maxLength: 5 })
        .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
      fc.constantFrom(
        '',
        '&',
        '&&&',
        '=',
        '==',
        '?',
        'limit',
        'limit=1&limit=2',
        'kind=summit&kind=other',
        'a=1&a=2&a=3',
      ),
    );
    const path = fc.constantFrom(
      '/threads',
      `/threads/${TARGET}`,
      `/threads/${TARGET}/updates`,
      `/threads/${TARGET}/updates/{update}`,
      '/tokens',
      '/health',
    );

    // Act
    await fc.assert(
      fc.asyncProperty(path, query, async (p, q) => {
        const r = await send('GET', `${p.replace('{update}', seedUpdateId)}?${q}`, { headers: auth() });

        // Assess
        expectSafeResponse(r, true);
        expect([200, 400, 404]).toContain(r.status);
        if (r.status === 404) expect(r.body.code).toBe('no_status_at_time');
        if (r.status === 400) {
          const sent = new Set<string>();
          for (const part of q.split('&')) {
            const name = part.split('=')[0]!;
            try {
              sent.add(decodeURIComponent(name.replace(/\+/g, ' ')));
            } catch {
              sent.add(name);
            }
          }
          // As a URL parser reads them (an undecodable %80 becomes U+FFFD): unknown names are named as read.
          for (const [name] of new URLSearchParams(q)) sent.add(name);
          // Raw bytes over 0x7f are not HTTP at all: the parser refuses the request as a whole.
          const notHttp = /[^\x21-\x7e]/.test(q);
          for (const e of r.body.errors as { path: string }[])
            expect(sent.has(e.path) || (notHttp && e.path === '(request)')).toBe(true);
        }
      }),
      { numRuns: 250 },
    );
    await expectNothingWritten();
  });

  it('answers junk If-Match, If-None-Match, Idempotency-Key and Authorization headers without a 5xx, and writes nothing', async () => {
    // Prepare
    const tags = fc.oneof(
      headerValue,
      fc.constantFrom(
        '',
        '*',
        '"v1"',
        'W/"v1"',
        '"v1", "v2"',
        '"v0"',
        'v1',
        '"v1',
        '""',
        'W/',
        '*, "v0"',
        ',,,',
        '"v1"x',
      ),
      fc
        .array(fc.constantFrom('"v0"', '"v2"', 'W/"v1"', '*', 'junk', '"', ''), { maxLength: 4 })
        .map((t) => t.join(', ')),
    );
    const keys = fc.oneof(
      headerValue,
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: 120,
        maxLength: 140,
      }),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      headerValue.map((v) => `Bearer ${v}`),
      headerValue,
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'bearer test-editor-token-',
        'Basic dGVzdDp0ZXN0',
        `Bearer ${'A'.repeat(600)}`,
      ),
    );
    const request = fc.record({
      ifMatch: tags,
      ifNoneMatch: tags,
      key: fc.option(keys),
      authorization,
      read: fc.boolean(),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(request, async ({ ifMatch, ifNoneMatch, key, authorization: authz, read }) => {
        const junkAuth = authz !== undefined;
        // A matching If-Match is a real precondition that holds; it would write, so it is left out.
        fc.pre(read || junkAuth || !matchHits(asReceived(ifMatch), '"v1"'));
        const headers: Record<string, string> = {
          ...(junkAuth ? { Authorization: authz } : auth('editor')),
          'If-Match': ifMatch,
          'If-None-Match': ifNoneMatch,
          ...(key !== null ? { 'Idempotency-Key': key } : {}),
          ...(read ? {} : { 'Content-Type': JSON_TYPE }),
        };
        const r = read
          ? await send('GET', `/threads/${TARGET}`, { headers })
          : await send('POST', `/threads/${TARGET}/updates`, { headers, body: JSON.stringify(VALID_UPDATE) });

        // Assess
        expectSafeResponse(r, read);
        if (junkAuth) {
          expect(r.status).toBe(401);
        } else if (read) {
          expect(r.status).toBe(noneMatchHits(asReceived(ifNoneMatch), '"v1"') ? 304 : 200);
        } else if (key !== null && !/^[\x21-\x7e]{1,128}$/.test(asReceived(key))) {
          expect(r.status).toBe(400);
          expect(r.body.errors[0].path).toBe('Idempotency-Key');
        } else {
          expect(r.status).toBe(412);
        }
      }),
      { numRuns: 250 },
    );
    await expectNothingWritten();
  });
});
