import {
  AcceptInboxItemSchema,
  CreateInboxItemSchema,
  DismissInboxItemSchema,
  InboxItemSchema,
  InboxQuerySchema,
  ThreadSchema,
  UpdateSchema,
} from '../domain/schemas';
import type { DeclaredRoute } from './route';
import { INBOX_ID, NEXT_TOKEN } from './shapes';

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
    responses: {
      200: { description: 'A duplicate: the existing item', body: InboxItemSchema },
      201: { description: 'A new item', location: '/inbox/{id}', body: InboxItemSchema },
    },
    problems: { 404: 'not_found (the scenario)' },
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
    summary: 'Accept an inbox item: post it as an update of a thread',
    description:
      "Posts an update exactly as POST /threads/{threadId}/updates would (same validation; If-Match is on the thread), with the item's URL and duplicates as `sources` and `inboxItem` set. Defaults: `status` the match's suggestion (else a note), `occurredAt` the suggestion unless in the future (else `publishedAt`, else now), `summary` the item's title. The item's decision and the update commit in one transaction.",
    params: { id: INBOX_ID },
    body: { schema: AcceptInboxItemSchema, label: 'The acceptance' },
    ifMatch: "Make the update conditional on the thread's current ETag (412 otherwise).",
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'The item (accepted), the update and the thread after it',
        location: '/threads/{threadId}/updates/{updateId}',
        body: (ref) => ({
          type: 'object',
          required: ['item', 'update', 'thread'],
          properties: { item: ref(InboxItemSchema), update: ref(UpdateSchema), thread: ref(ThreadSchema) },
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
    responses: { 200: { description: 'The item, dismissed', body: InboxItemSchema } },
    problems: { 404: 'not_found', 409: 'already_decided' },
  },
] as const satisfies readonly DeclaredRoute[];
