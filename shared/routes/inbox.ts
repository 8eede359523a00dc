import {
  AcceptInboxItemSchema,
  CreateInboxItemSchema,
  DismissInboxItemSchema,
  InboxItemSchema,
  InboxQuerySchema,
  CreateNewsSourceSchema,
  FetchReportSchema,
  NewsSourceSchema,
  PatchNewsSourceSchema,
  SourcesQuerySchema,
} from '../domain/schemas/inbox';
import { DraftSchema, ThreadSchema, UpdateSchema } from '../domain/schemas/responses';
import { SOURCE_ID } from '../domain/limits';
import type { DeclaredRoute, PathParam } from './route';
import { INBOX_ID, NEXT_TOKEN, items } from './shapes';

const SOURCE: PathParam = { pattern: SOURCE_ID, notFound: (id) => `No source ${id}.` };

/** The inbox function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const INBOX_ROUTES = [
  // ---- The news inbox (contract 1.2, "Sources and the news inbox"). After GET /ready: a new route
  // goes at the end (see GET /ready). A function of their own (functions/inbox.ts): language
  // detection, the Public Suffix List, date parsing and matching stay out of threads-write's bundle
  // and cold start. Accepting is a thread write (postUpdate, in its transaction), and the list pages.
  {
    route: 'POST /inbox',
    group: 'inbox',
    role: 'editor',
    operationId: 'pushInboxItem',
    summary: "Push a news item into a scenario's inbox (wire services, mail bridges)",
    description:
      "Deduplicated by canonical URL (scheme and host lower-cased, fragment and utm_* parameters dropped) and by near-copy text (MinHash of word 3-shingles of title and summary, estimated Jaccard ≥ 0.6, against the scenario's 200 newest items): a duplicate is 200 with the existing item, its URL added to `duplicates`. `outlet` is the registrable domain (Public Suffix List); `language` (ISO 639-1) is detected when absent; `publishedAt`, when absent, is the date the text gives (null when none or in the future). `matches`: the scenario's non-archived threads the text is about, best first, at most 3.",
    body: { schema: CreateInboxItemSchema, label: 'The item' },
    idempotencyKey: true,
    responses: {
      200: { description: 'A duplicate: the existing item', body: InboxItemSchema },
      201: { description: 'A new item', location: '/inbox/{id}', body: InboxItemSchema },
    },
    problems: {
      404: 'not_found (the scenario)',
      409: 'idempotency_in_progress',
      422: 'idempotency_key_mismatch',
    },
  },
  {
    route: 'GET /inbox',
    group: 'inbox',
    role: 'editor',
    operationId: 'listInbox',
    summary: "A scenario's inbox items in one state, newest firstSeenAt first",
    query: {
      schema: InboxQuerySchema,
      describe: {
        scenario: 'The scenario (required)',
        state: 'new (default), accepted or dismissed',
        threadId: 'Only items matched to this thread (a page may then be short; follow nextToken)',
        limit: 'Page size, 1–100 (default 50)',
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: InboxItemSchema,
    responses: { 200: { description: 'Newest firstSeenAt first' } },
  },
  {
    route: 'POST /inbox/{id}/accept',
    group: 'inbox',
    role: 'editor',
    operationId: 'acceptInboxItem',
    summary: 'Accept an inbox item: post it as an update of a thread (or store it as a draft)',
    description:
      "Posts an update exactly as POST /threads/{threadId}/updates would (same validation; If-Match is on the thread), with the item's URL and duplicates as `sources` and `inboxItem` set. Defaults: `status` the match's suggestion (else a note), `occurredAt` the suggestion unless in the future (else `publishedAt`, else now), `summary` the item's title. With `draft: true` it is stored as a draft instead, exactly as `POST /threads/{threadId}/updates` with `draft: true` stores one (the thread unchanged; `updateId` names the draft, and the update it is published as carries `inboxItem` and `draftId`). The item's decision and the update (or draft) commit in one transaction.",
    params: { id: INBOX_ID },
    body: { schema: AcceptInboxItemSchema, label: 'The acceptance' },
    ifMatch: "Make the update conditional on the thread's current ETag (412 otherwise).",
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'The item (accepted), the update (or the draft) and the thread after it',
        location: '/threads/{threadId}/updates/{updateId}',
        body: (ref) => ({
          type: 'object',
          required: ['item', 'update', 'thread'],
          properties: {
            item: ref(InboxItemSchema),
            update: { oneOf: [ref(UpdateSchema), ref(DraftSchema)] },
            thread: ref(ThreadSchema),
          },
        }),
      },
    },
    problems: {
      404: 'not_found',
      409: 'already_decided, idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'POST /inbox/{id}/dismiss',
    group: 'inbox',
    role: 'editor',
    operationId: 'dismissInboxItem',
    summary: 'Dismiss an inbox item',
    params: { id: INBOX_ID },
    body: { schema: DismissInboxItemSchema, label: 'The dismissal' },
    idempotencyKey: true,
    responses: { 200: { description: 'The item, dismissed', body: InboxItemSchema } },
    problems: {
      404: 'not_found',
      409: 'already_decided, idempotency_in_progress',
      422: 'idempotency_key_mismatch',
    },
  },
  // ---- News sources (contract 1.2, "Sources and the news inbox"). At the end: a new route goes last
  // (see GET /ready). In the inbox function: a fetch receives its entries into the inbox by the same
  // path as POST /inbox (receiveEntry: matching, language, the Public Suffix List), which that
  // function already bundles; the sources' routes add feedsmith and the fetcher, nothing else.
  {
    route: 'POST /sources',
    group: 'inbox',
    role: 'admin',
    operationId: 'createSource',
    summary: 'Add a news feed the tracker polls for a scenario',
    description:
      'RSS 2.0, Atom 1.0 or JSON Feed 1.1, told apart by content. `url` obeys the outbound-address rules of subscription URLs (http/https only; no loopback, private, link-local or metadata address unless TRACKER_ALLOW_PRIVATE_WEBHOOKS=true), checked now and on every connection, redirects included (at most 3). Due at once; then every `intervalMinutes` (5–1440, default 15).',
    body: { schema: CreateNewsSourceSchema, label: 'The source' },
    idempotencyKey: true,
    responses: {
      201: { description: 'The source, active', location: '/sources/{id}', body: NewsSourceSchema },
    },
    problems: {
      404: 'not_found (the scenario)',
      409: 'idempotency_in_progress',
      422: 'invalid_source_url, idempotency_key_mismatch',
    },
  },
  {
    route: 'GET /sources',
    group: 'inbox',
    role: 'editor',
    operationId: 'listSources',
    summary: "A scenario's news sources, oldest first",
    query: { schema: SourcesQuerySchema, describe: { scenario: 'The scenario (required)' } },
    etag: 'read',
    responses: {
      200: { description: 'Every source of the scenario, oldest first', body: items(NewsSourceSchema) },
    },
  },
  {
    route: 'GET /sources/{id}',
    group: 'inbox',
    role: 'editor',
    operationId: 'getSource',
    summary: 'A news source, with its last fetch and when it is next due',
    params: { id: SOURCE },
    etag: 'read',
    responses: { 200: { description: 'The source', body: NewsSourceSchema } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'PATCH /sources/{id}',
    group: 'inbox',
    role: 'admin',
    operationId: 'patchSource',
    summary: 'Retitle a news source, change its interval, pause or resume it',
    params: { id: SOURCE },
    body: { schema: PatchNewsSourceSchema, label: 'The change' },
    responses: { 200: { description: 'The whole source after the change', body: NewsSourceSchema } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'DELETE /sources/{id}',
    group: 'inbox',
    role: 'admin',
    operationId: 'deleteSource',
    summary: 'Delete a news source',
    params: { id: SOURCE },
    responses: { 204: { description: 'Deleted; its inbox items stay' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'POST /sources/{id}/fetch',
    group: 'inbox',
    role: 'editor',
    operationId: 'fetchSource',
    summary: 'Poll a news source now',
    description:
      '`result` is the HTTP status (304 when unchanged) or an error word: timeout, too_large, not_a_feed, refused_address, unreachable, too_many_redirects. At most once a minute per source, scheduled polls included.',
    params: { id: SOURCE },
    idempotencyKey: true,
    responses: {
      200: {
        description: 'What the fetch came to, and how many new inbox items it made',
        body: FetchReportSchema,
      },
    },
    problems: {
      404: 'not_found',
      409: 'idempotency_in_progress',
      422: 'idempotency_key_mismatch',
      429: 'too_many_requests (with Retry-After)',
    },
  },
] as const satisfies readonly DeclaredRoute[];
