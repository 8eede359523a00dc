import {
  AmendUpdateSchema,
  CreateScenarioSchema,
  CreateThreadSchema,
  CreateUpdateSchema,
  PatchScenarioSchema,
  PatchThreadSchema,
  RetractionSchema,
} from '../domain/schemas/writes';
import { DraftSchema, ScenarioSchema, ThreadSchema, UpdateSchema } from '../domain/schemas/responses';
import type { DeclaredRoute, ResponseBody } from './route';
import { THREAD_ID, UPDATE_ID, SCENARIO_ID } from './shapes';

const withUpdate: ResponseBody = (ref) => ({
  type: 'object',
  required: ['update', 'thread'],
  properties: { update: ref(UpdateSchema), thread: ref(ThreadSchema) },
});
/** Drafts (contract 1.2): a post's answer whose `update` may be a Draft. */
const withUpdateOrDraft: ResponseBody = (ref) => ({
  type: 'object',
  required: ['update', 'thread'],
  properties: { update: { oneOf: [ref(UpdateSchema), ref(DraftSchema)] }, thread: ref(ThreadSchema) },
});

/** The threads-write function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const THREADS_WRITE_ROUTES = [
  {
    route: 'POST /threads',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createThread',
    summary: 'Create a thread with its first update',
    body: { schema: CreateThreadSchema, label: 'The thread' },
    idempotencyKey: true,
    etag: 'write',
    responses: { 201: { description: 'Created', location: '/threads/{id}', body: ThreadSchema } },
    problems: {
      409: 'thread_exists, idempotency_in_progress',
      422: 'invalid_status, invalid_parent, idempotency_key_mismatch',
    },
  },
  {
    route: 'PATCH /threads/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchThread',
    summary: 'Change title, staleAfterHours, expected, archived, scenario, kind or parent',
    params: { id: THREAD_ID },
    body: { schema: PatchThreadSchema, label: 'The change' },
    ifMatch: true,
    etag: 'write',
    responses: { 200: { description: 'Changed', body: ThreadSchema } },
    problems: { 404: 'not_found', 412: 'precondition_failed', 422: 'invalid_status, invalid_parent' },
  },
  {
    route: 'POST /threads/{id}/updates',
    group: 'threads-write',
    role: 'editor',
    operationId: 'postUpdate',
    summary: 'Post an update to a thread (or, with draft: true, store it as a draft)',
    description:
      'With `draft: true` the update is validated as any other, then held back as a draft (contract 1.2 "Drafts"): the answer\'s `update` is the Draft (`draft: true`, `recordedBy`) and `thread` the thread as it was (its version and ETag unchanged); it changes no view, list, feed, board or timeline and notifies nobody until it is published (POST …/updates/{updateId}/publish). Idempotency-Key and If-Match as for any update.',
    params: { id: THREAD_ID },
    body: { schema: CreateUpdateSchema, label: 'The update' },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Accepted (a draft: stored, the thread unchanged)',
        location: '/threads/{id}/updates/{updateId}',
        body: withUpdateOrDraft,
      },
    },
    problems: {
      404: 'not_found',
      409: 'idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'PATCH /threads/{id}/updates/{updateId}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'amendUpdate',
    summary: "Amend an update's wording (summary, sources, quotes) or mark it a key event (key)",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    body: { schema: AmendUpdateSchema, label: 'The amendment' },
    ifMatch: true,
    etag: 'write',
    responses: {
      200: {
        description:
          'Amended (the same wording again changes nothing); the thread one version on, its summary following when this is its latest live update. status and occurredAt cannot be amended (400): retract and post again. `key` alone (contract 1.2) rewrites the update and moves the thread one version on, with no new revision; the same flag again changes nothing. Idempotency-Key is not honoured (a PATCH).',
        body: withUpdate,
      },
    },
    problems: { 404: 'not_found', 409: 'already_retracted', 412: 'precondition_failed' },
  },
  {
    route: 'POST /threads/{id}/updates/{updateId}/retraction',
    group: 'threads-write',
    role: 'editor',
    operationId: 'retractUpdate',
    summary: 'Retract an update',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    body: { schema: RetractionSchema, label: 'The retraction' },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: { 200: { description: 'Retracted; the thread recomputed without it', body: withUpdate } },
    problems: {
      404: 'not_found',
      409: 'already_retracted, cannot_retract_last_status, idempotency_in_progress',
      412: 'precondition_failed',
    },
  },
  // ---- Drafts (contract 1.2 "Drafts: a second pair of eyes before a status flips") ----
  {
    route: 'POST /threads/{id}/updates/{updateId}/publish',
    group: 'threads-write',
    role: 'editor',
    operationId: 'publishDraft',
    summary: 'Publish a draft: post it as if posted now',
    description:
      "Folds the draft in as a post made now would be: its occurredAt kept, recordedAt the publish time, postedBy its drafter, publishedBy the publisher, draftId the draft's id; the update gets a new id (every update's id encodes when it was recorded). Emits what a post would (UpdatePosted, ThreadStatusChanged). Publishing your own draft (the same token name) is 403 same_editor unless the token is marked selfPublish. Publishing twice, or an update that is no draft, is 409 not_a_draft.",
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    ifMatch: true,
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Published; the update and the thread after it',
        location: '/threads/{id}/updates/{updateId}',
        body: withUpdate,
      },
    },
    problems: {
      403: 'same_editor',
      404: 'not_found',
      409: 'not_a_draft, idempotency_in_progress',
      412: 'precondition_failed',
      422: 'invalid_status, idempotency_key_mismatch',
    },
  },
  {
    route: 'DELETE /threads/{id}/updates/{updateId}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'discardDraft',
    summary: 'Discard a draft',
    description:
      'Only a draft: an update (or a published draft) is 409 not_a_draft; retract updates instead.',
    params: { id: THREAD_ID, updateId: UPDATE_ID },
    responses: { 204: { description: 'Discarded' } },
    problems: { 404: 'not_found', 409: 'not_a_draft' },
  },
  {
    route: 'POST /scenarios',
    group: 'threads-write',
    role: 'editor',
    operationId: 'createScenario',
    summary: 'Create a scenario',
    description:
      'The id is a slug, and not `import`: `/scenarios/import` is the path of POST /scenarios/import, so GET /scenarios/import could never read such a scenario (400 validation_error naming `id`). A thread created in, or moved into, an unknown scenario creates it, under the same rule.',
    body: { schema: CreateScenarioSchema, label: 'The scenario' },
    idempotencyKey: true,
    etag: 'write',
    responses: {
      201: {
        description: 'Created (repeated tags are kept once)',
        location: '/scenarios/{id}',
        body: ScenarioSchema,
      },
    },
    problems: { 409: 'scenario_exists, idempotency_in_progress', 422: 'idempotency_key_mismatch' },
  },
  {
    route: 'PATCH /scenarios/{id}',
    group: 'threads-write',
    role: 'editor',
    operationId: 'patchScenario',
    summary: 'Change title, description, tags, keywords or public',
    params: { id: SCENARIO_ID },
    body: { schema: PatchScenarioSchema, label: 'The change' },
    ifMatch:
      "Make the write conditional on the scenario's current ETag (412 otherwise); a recount changes it too.",
    etag: 'write',
    responses: {
      200: {
        description: 'The whole scenario; a change to the values it already has keeps its version',
        body: ScenarioSchema,
      },
    },
    problems: { 404: 'not_found', 412: 'precondition_failed' },
  },
] as const satisfies readonly DeclaredRoute[];
