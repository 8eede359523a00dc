import {
  ChangesQuerySchema,
  DraftsQuerySchema,
  HistoryQuerySchema,
  ListScenariosQuerySchema,
  ListThreadsQuerySchema,
  ListUpdatesQuerySchema,
  SearchQuerySchema,
  TimelineQuerySchema,
} from '../domain/schemas/queries';
import {
  ChangeItemSchema,
  CriteriaRevisionSchema,
  DraftSchema,
  RevisionSchema,
  ScenarioSchema,
  SearchItemSchema,
  ThreadSchema,
  TimelineItemSchema,
  UpdateSchema,
} from '../domain/schemas/responses';
import { KindSchema } from '../domain/schemas/kinds';
import {
  OEmbedQuerySchema,
  OEmbedSchema,
  PublicScenarioSchema,
  PublicThreadDetailSchema,
} from '../domain/schemas/public';
import type { DeclaredRoute } from './route';
import {
  THREAD_ID,
  PUBLIC_SCENARIO,
  BADGE_FILE,
  UPDATE_ID,
  SCENARIO_ID,
  items,
  jsonSchema,
  NEXT_TOKEN,
  pageOf,
  CHANGES_QUERY,
  CHANGES_ANSWER,
} from './shapes';

/** The threads-read function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const THREADS_READ_ROUTES = [
  {
    route: 'GET /threads',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listThreads',
    summary: 'List threads',
    query: {
      schema: ListThreadsQuerySchema,
      describe: {
        updatedSince: 'Threads whose updatedAt is later than this time (a period: later than its start)',
        archived: 'false (default): archived threads left out; true: only archived threads; any: both',
        parent: "A thread's children",
        overdue: 'Threads flagged overdue (true) or not (false)',
        nextToken: NEXT_TOKEN,
        asOf: "A board: the scenario's threads as they stood then (each as GET /threads/{id}?asOf=), threads with no status then left out; scenario required; a period means its last millisecond",
        knownAt: 'A board as known then; scenario required; a period means its last millisecond',
        // Contract 1.2: claims by party and corroboration.
        disputed:
          "Threads whose parties' claims differ from each other or from the thread's status (true) or not (false); on a board, as they stood then",
        corroborated:
          'false: threads whose current status rests on fewer than 2 outlets (registrable domains of its sources); true: on 2 or more; on a board, as they stood then',
      },
    },
    etag: 'read',
    page: ThreadSchema,
    responses: {
      200: {
        description:
          'A page of threads ordered by id (a board: no ETag, status matched against the status then; a page may be short)',
      },
    },
  },
  {
    route: 'GET /threads/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getThread',
    summary: 'Get a thread, now or as of a time',
    params: { id: THREAD_ID },
    query: {
      schema: HistoryQuerySchema,
      describe: {
        asOf: 'Occurred-time cut-off; a period means its last millisecond (2025-08-15 → 2025-08-15T23:59:59.999Z), which the view echoes',
        knownAt: 'Recorded-time cut-off; a period means its last millisecond, which the view echoes',
      },
    },
    etag: 'read',
    responses: { 200: { description: 'The thread (no ETag on asOf/knownAt views)', body: ThreadSchema } },
    problems: { 404: 'not_found, no_status_at_time' },
  },
  {
    route: 'GET /threads/{id}/updates',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listUpdates',
    summary: "List a thread's updates, newest first (or, with drafts=true, its drafts)",
    params: { id: THREAD_ID },
    query: {
      schema: ListUpdatesQuerySchema,
      describe: {
        drafts:
          "true: the thread's waiting drafts instead of its updates, a separate list (Draft items, newest recorded first; editor only: 403 for a reader); false (default): its updates, never a draft",
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: UpdateSchema,
    responses: {
      200: {
        description:
          'Newest occurredAt first; retracted updates included and marked. With drafts=true: Draft items, newest recorded first',
        body: pageOf(UpdateSchema, DraftSchema),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /threads/{id}/updates/{updateId}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getUpdate',
    summary: 'Get one update',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    responses: { 200: { description: 'The update', body: UpdateSchema } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /threads/{id}/updates/{updateId}/revisions',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listRevisions',
    summary: "An update's wordings, oldest first (revision 0 the original)",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    etag: 'read',
    responses: {
      200: {
        description: 'Every wording, oldest first; revision 0 the original',
        body: items(RevisionSchema),
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /drafts',
    group: 'threads-read',
    role: 'editor',
    operationId: 'listDrafts',
    summary: "A scenario's drafts queue, newest first",
    description:
      'Waiting drafts only (published and discarded ones leave the queue); a draft is listed under the scenario its thread had when it was drafted.',
    query: { schema: DraftsQuerySchema, describe: { nextToken: NEXT_TOKEN } },
    etag: 'read',
    page: DraftSchema,
    responses: { 200: { description: 'A page of drafts, newest recorded first' } },
  },
  {
    route: 'GET /scenarios',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listScenarios',
    summary: 'List scenarios, by id, with their counts',
    query: {
      schema: ListScenariosQuerySchema,
      describe: { tag: 'Only scenarios carrying this tag', nextToken: NEXT_TOKEN },
    },
    etag: 'read',
    page: ScenarioSchema,
    responses: {
      200: {
        description: 'A page of scenarios ordered by id; counts may lag thread writes by up to 10 seconds',
      },
    },
  },
  {
    route: 'GET /scenarios/{id}',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getScenario',
    summary: 'Get a scenario with its counts',
    params: { id: SCENARIO_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'The scenario; its counts are part of its ETag and may lag thread writes by up to 10 seconds',
        body: ScenarioSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /scenarios/{id}/timeline',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getTimeline',
    summary: "The status changes across a scenario's threads, oldest first",
    params: { id: SCENARIO_ID },
    query: {
      schema: TimelineQuerySchema,
      describe: {
        knownAt:
          'As known then (updates, retractions and wording recorded by then); a period means its last millisecond; no ETag',
        archived: 'false (default): leave archived threads out; true: only them; any: all',
        key: 'true: only key events, status changes or not (a key note has status null); false (default): the status changes',
        nextToken: NEXT_TOKEN,
      },
    },
    etag: 'read',
    page: TimelineItemSchema,
    responses: {
      200: {
        description:
          "Status changes across the scenario's threads, oldest occurredAt first (then thread id, update id): a non-retracted update whose status differs from its thread's previous status-carrying one; a thread's first status has previousStatus null",
      },
    },
    problems: { 404: 'not_found' },
  },
  // ---- The changes feed (contract 1.2, "What changed since") ----
  {
    route: 'GET /scenarios/{id}/changes',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getScenarioChanges',
    summary: 'What the tracker learned about a scenario after a time or a cursor, oldest first',
    params: { id: SCENARIO_ID },
    query: { schema: ChangesQuerySchema, describe: CHANGES_QUERY },
    etag: 'read',
    page: ChangeItemSchema,
    responses: { 200: { description: CHANGES_ANSWER } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /changes',
    group: 'threads-read',
    role: 'reader',
    operationId: 'getChanges',
    summary: 'What the tracker learned about any scenario after a time or a cursor, oldest first',
    query: { schema: ChangesQuerySchema, describe: CHANGES_QUERY },
    etag: 'read',
    page: ChangeItemSchema,
    responses: { 200: { description: CHANGES_ANSWER } },
  },
  {
    route: 'GET /kinds',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listKinds',
    summary: 'List the kinds, built-in and custom, with their statuses',
    etag: 'read',
    responses: {
      200: { description: 'Every kind, built-in and custom, ordered by kind', body: items(KindSchema) },
    },
  },
  {
    route: 'GET /ready',
    // Served by the read function: ready means the function that serves reads reaches its table.
    // Declared last: CDK names a function's integration after its first route, so a new route goes
    // at the end and no deployed integration is replaced (test/infra/logical-ids.test.ts).
    group: 'threads-read',
    role: null,
    operationId: 'getReady',
    summary: 'Readiness check: the database answers',
    responses: {
      200: {
        description: 'Ready: the database answered a read within DYNAMODB_TIMEOUT_MS',
        body: jsonSchema({ type: 'object', properties: { status: { const: 'ready' } } }),
      },
    },
    problems: { 503: 'unavailable (the database did not answer in time)' },
  },
  // ---- Contract 1.2: criteria and clarifications (threadmeta) ----
  {
    route: 'GET /threads/{id}/criteria',
    group: 'threads-read',
    role: 'reader',
    operationId: 'listCriteria',
    summary:
      "A thread's criteria over time, oldest first: every change after the first is a dated clarification",
    params: { id: THREAD_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'Every text the criteria had, oldest first, revision 1 the first (text null: cleared), with when and by whom (the token name) it was recorded',
        body: items(CriteriaRevisionSchema),
      },
    },
    problems: { 404: 'not_found' },
  },
  // ---- end of contract 1.2 (threadmeta) ----
  // ---- Search (contract 1.2) ----
  {
    route: 'GET /search',
    group: 'threads-read',
    role: 'reader',
    operationId: 'search',
    summary: 'Threads and updates holding the words of q, best first',
    description:
      "Words are compared case-, diacritic- and script-insensitively (NFKD, marks dropped, lower case; split on anything not a letter or digit), whole: `Zelensky` does not find `Zelenskyy`. Every word must occur in the title, summary or keywords of a thread, or in the summary, quotes or source titles of an update. A write is findable within 5 seconds (the index is kept from the table's stream). Retracted updates are found and marked.",
    query: {
      schema: SearchQuerySchema,
      describe: {
        q: '1–200 characters, at least one word; at most 8 words are searched',
        scenario: 'Only this scenario',
        drafts: 'true: drafts are found too, marked (editor role; 403 otherwise)',
        nextToken: NEXT_TOKEN,
      },
    },
    page: SearchItemSchema,
    responses: {
      200: {
        description:
          'Matches best first (BM25 score, then thread and update id); an update carries `retracted`, and with drafts=true `draft`',
      },
    },
    problems: { 403: 'forbidden (drafts=true without the editor role)' },
  },
  // ---- Public scenarios and embeds (contract 1.2): no token, cached by the CDN ----------------
  // In threads-read: they read what it reads (scenario and thread items), and rendering HTML or SVG
  // needs no library. Not public and missing are the same 404, never 401/403.
  {
    route: 'GET /public/scenarios/{id}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicScenario',
    summary: "A public scenario's current state",
    params: { id: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    responses: {
      200: {
        description: 'The scenario and its non-archived threads; no authors, no history',
        body: PublicScenarioSchema,
      },
    },
    problems: { 404: 'not_found (no such scenario, or not public)' },
  },
  {
    route: 'GET /public/scenarios/{id}/threads/{threadId}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicThread',
    summary: 'A thread of a public scenario with its key events',
    params: { id: PUBLIC_SCENARIO, threadId: THREAD_ID },
    etag: 'read',
    publicCache: true,
    responses: {
      200: {
        description: "The thread's public view and its key events, oldest first",
        body: PublicThreadDetailSchema,
      },
    },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed/{scenario}',
    group: 'threads-read',
    role: null,
    operationId: 'getScenarioEmbed',
    summary: 'A public scenario as a small HTML page for an iframe',
    params: { scenario: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: { 200: { description: 'HTML; frame-ancestors from TRACKER_EMBED_ORIGINS' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed/{scenario}/{threadId}',
    group: 'threads-read',
    role: null,
    operationId: 'getThreadEmbed',
    summary: 'One thread of a public scenario as a small HTML page for an iframe',
    params: { scenario: PUBLIC_SCENARIO, threadId: THREAD_ID },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: { 200: { description: 'HTML; frame-ancestors from TRACKER_EMBED_ORIGINS' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /embed.js',
    group: 'threads-read',
    role: null,
    operationId: 'getEmbedScript',
    summary: 'The <scenario-tracker scenario thread> custom element',
    etag: 'read',
    publicCache: true,
    mediaType: 'text/javascript',
    responses: { 200: { description: 'A classic script defining the element; no dependencies' } },
  },
  {
    route: 'GET /oembed',
    group: 'threads-read',
    role: null,
    operationId: 'getOEmbed',
    summary: 'oEmbed 1.0 for an embed or public page URL',
    query: {
      schema: OEmbedQuerySchema,
      describe: {
        url: 'An embed URL (/embed/{scenario}[/{threadId}]) or public page URL (/p/{scenario}) of this tracker',
        format: 'json (default); xml answers 501',
        maxwidth: 'The widest the iframe may be, in pixels',
        maxheight: 'The tallest the iframe may be, in pixels',
      },
    },
    etag: 'read',
    publicCache: true,
    responses: { 200: { description: 'A rich oEmbed response with the iframe HTML', body: OEmbedSchema } },
    problems: {
      404: 'not_found (not a public scenario of this tracker)',
      501: 'not_implemented (format=xml)',
    },
  },
  {
    route: 'GET /badge/{scenario}/{badge}',
    group: 'threads-read',
    role: null,
    operationId: 'getBadge',
    summary: "A thread's status badge: /badge/{scenario}/{threadId}.svg",
    params: { scenario: PUBLIC_SCENARIO, badge: BADGE_FILE },
    etag: 'read',
    publicCache: true,
    mediaType: 'image/svg+xml',
    responses: { 200: { description: 'SVG with the thread title and status' } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /p/{scenario}',
    group: 'threads-read',
    role: null,
    operationId: 'getPublicPage',
    summary: 'A public page of the scenario with schema.org JSON-LD',
    params: { scenario: PUBLIC_SCENARIO },
    etag: 'read',
    publicCache: true,
    mediaType: 'text/html',
    responses: {
      200: {
        description: 'HTML with a LiveBlogPosting and an Event per summit thread in application/ld+json',
      },
    },
    problems: { 404: 'not_found' },
  },
] as const satisfies readonly DeclaredRoute[];
