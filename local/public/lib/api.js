// @ts-check
/**
 * The tracker's HTTP API as the desk uses it: bearer token, ETag revalidation, conditional writes
 * (If-Match) with a fresh Idempotency-Key per submission, and problem details turned into errors
 * that carry the contract's field paths.
 */

/**
 * @typedef {{ url: string, title?: string, publisher?: string, publishedAt?: string }} Source
 * @typedef {{ speaker: string, text: string }} Quote
 * @typedef {'instant' | 'day' | 'month' | 'year'} Precision
 * @typedef {{ what: string, at: string, precision: Precision }} Expected
 * @typedef {{
 *   id: string, scenario: string, kind: string, title: string, status: string, statusSince: string,
 *   statusSincePrecision?: Precision, summary: string, lastOccurredAt: string, lastRecordedAt: string,
 *   updateCount: number, version: number, staleAfterHours: number, stale: boolean, staleSince: string | null,
 *   parent?: string | null, archived?: boolean, expected?: Expected | null, overdue?: boolean,
 *   overdueSince?: string | null, createdAt: string, updatedAt: string, asOf?: string,
 *   criteria?: string | null, claims?: Claim[], disputed?: boolean, corroboration?: Corroboration
 * }} Thread
 * @typedef {{ party: string, status: string, since: string, sincePrecision?: Precision, updateId: string }} Claim
 * @typedef {{ outlets: string[], count: number }} Corroboration
 * @typedef {{ reason: string, retractedAt: string, retractedBy: string }} Retraction
 * @typedef {{
 *   id: string, threadId: string, status: string | null, summary: string, occurredAt: string,
 *   occurredPrecision?: Precision, recordedAt: string, postedBy: string, sources: Source[], quotes: Quote[],
 *   retracted: boolean, retraction: Retraction | null, revisionCount?: number, revisedAt?: string | null,
 *   key?: boolean, claimedBy?: string | null, inboxItem?: string
 * }} Update
 * @typedef {{ threadId: string, score: number, suggestedStatus: string | null,
 *   suggestedOccurredAt: string | null, suggestedPrecision: Precision | null }} InboxMatch
 * @typedef {{
 *   id: string, scenario: string, source: string | null, url: string, title: string, summary: string,
 *   language: string | null, publishedAt: string | null, firstSeenAt: string, outlet: string | null,
 *   duplicates: string[], matches: InboxMatch[], state: 'new' | 'accepted' | 'dismissed',
 *   decidedAt: string | null, decidedBy: string | null, updateId: string | null
 * }} InboxItem
 * @typedef {{ id: string, title: string, description?: string, threadCount?: number }} Scenario
 * @typedef {{ name: string, terminal: boolean }} StatusDefinition
 * @typedef {{ kind: string, label: string, builtIn: boolean, statuses: StatusDefinition[] }} KindDefinition
 * @typedef {{ path: string, message: string }} FieldError
 */

/** A refused token (401) or a token without the role (403). */
export class AuthError extends Error {
  /** @param {number} status */
  constructor(status) {
    super(String(status));
    this.status = status;
  }
}

/** Any other answer than the one hoped for; `status` 0 means the tracker could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {{ code?: string, errors?: FieldError[], retryAfter?: number }} [extra]
   */
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = extra.code || '';
    /** @type {FieldError[]} */
    this.errors = extra.errors || [];
    this.retryAfter = extra.retryAfter || 0;
  }
}

/** A key per submission (1–128 visible ASCII, as the contract asks). */
export function idempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return `desk-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `desk-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** @param {Response} response */
async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * @param {Response} response
 * @param {any} body
 */
function failure(response, body) {
  if (response.status === 401) return new AuthError(401);
  const detail = body && typeof body === 'object' ? body.detail || body.title : '';
  return new ApiError(
    response.status,
    `The tracker answered ${response.status}${detail ? `: ${detail}` : '.'}`,
    {
      code: body && typeof body.code === 'string' ? body.code : '',
      errors: body && Array.isArray(body.errors) ? body.errors : [],
      retryAfter: Number(response.headers.get('Retry-After')) || 0,
    },
  );
}

export class Api {
  /** @param {string} token */
  constructor(token) {
    this.token = token;
  }

  /**
   * GET with If-None-Match when an ETag is held; 304 gives `{ status: 304, body: null }`.
   * @param {string} path
   * @param {string | null} [etag]
   * @returns {Promise<{ status: number, etag: string | null, body: any }>}
   */
  async get(path, etag = null) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json', Authorization: `Bearer ${this.token}` };
    if (etag) headers['If-None-Match'] = etag;
    let response;
    try {
      // no-store: the page revalidates itself, so the browser cache must not answer for it.
      response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'Cannot reach the tracker.');
    }
    if (response.status === 304)
      return { status: 304, etag: response.headers.get('ETag') || etag, body: null };
    const body = await readJson(response);
    if (!response.ok) {
      if (response.status === 403) throw new AuthError(403);
      throw failure(response, body);
    }
    return { status: response.status, etag: response.headers.get('ETag'), body };
  }

  /**
   * Every item of a paged list, following nextToken to the end.
   * @param {string} path a path that already has a query string
   */
  async all(path) {
    /** @type {any[]} */
    const items = [];
    /** @type {string | null} */
    let next = null;
    const seen = new Set();
    do {
      const r = await this.get(next ? `${path}&nextToken=${encodeURIComponent(next)}` : path);
      items.push(...((r.body && r.body.items) || []));
      next = (r.body && r.body.nextToken) || null;
      if (next && seen.has(next)) break;
      seen.add(next);
    } while (next);
    return items;
  }

  /**
   * A write: JSON body, `If-Match` when an ETag is given, and the submission's Idempotency-Key.
   * @param {'POST' | 'PATCH' | 'DELETE'} method
   * @param {string} path
   * @param {unknown} body
   * @param {{ etag?: string | null, key?: string }} [options]
   * @returns {Promise<{ status: number, etag: string | null, body: any }>}
   */
  async send(method, path, body, options = {}) {
    /** @type {Record<string, string>} */
    const headers = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.token}`,
    };
    // No body (a publish, a discard): none is sent.
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.etag) headers['If-Match'] = options.etag;
    if (options.key) headers['Idempotency-Key'] = options.key;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'Cannot reach the tracker; nothing was sent. Try again.');
    }
    const parsed = await readJson(response);
    if (!response.ok) {
      // A 403 with its own code (same_editor: a draft wants a second editor) is about the request, not the token.
      if (response.status === 403 && !(parsed && parsed.code && parsed.code !== 'forbidden'))
        throw new AuthError(403);
      throw failure(response, parsed);
    }
    return { status: response.status, etag: response.headers.get('ETag'), body: parsed };
  }

  /**
   * What this token may do. There is no "who am I" route, so the page asks the one question that
   * tells: a `POST /threads` with an empty body. An editor gets 400 (the body is refused before
   * anything is written), a reader 403; nothing is ever created.
   * @returns {Promise<'editor' | 'reader'>}
   */
  async role() {
    try {
      await this.send('POST', '/threads', {});
      return 'editor';
    } catch (error) {
      if (error instanceof AuthError && error.status === 403) return 'reader';
      if (error instanceof ApiError && error.status === 400) return 'editor';
      throw error;
    }
  }
}

/** @param {string} id */
export const enc = (id) => encodeURIComponent(id);
