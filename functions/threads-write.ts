import { CreateThreadSchema, CreateUpdateSchema, PatchThreadSchema, RetractionSchema, parseWith } from '../shared/domain/schemas';
import { createThread, patchThread, postUpdate, retractUpdate, type WriteOptions, type WriteResult } from '../shared/app/threads';
import { threadEtag } from '../shared/http/etag';
import { appContext } from '../shared/app/context';
import { threadIdParam, updateIdParam } from '../shared/http/params';
import { lambdaHandler, type Request } from '../shared/http/handler';
import { withIdempotency } from '../shared/http/idempotency';
import { header, readJsonBody } from '../shared/http/request';
import { json } from '../shared/http/response';

/** Write routes: every one validates fully (limits included) before the first database call. */

const writeOptions = (req: Request): WriteOptions => {
  const ifMatch = header(req.event, 'if-match');
  return { principal: req.principal, ...(ifMatch !== undefined ? { ifMatch } : {}) };
};

/** An idempotent POST: the key, the caller and the exact path scope the replay. */
const idempotent = (req: Request, body: unknown, run: Parameters<typeof withIdempotency>[2]) =>
  withIdempotency(req.ctx, { key: header(req.event, 'idempotency-key'), principal: req.principal, method: 'POST', path: req.event.rawPath, body }, run);

const withUpdate = ({ update, thread }: WriteResult) => ({ update, thread });

export const handler = lambdaHandler('threads-write', {
  'POST /threads': async (req) => {
    const raw = readJsonBody(req.event);
    const input = parseWith(CreateThreadSchema, raw, 'The thread');
    return idempotent(req, raw, (ticket) =>
      createThread(req.ctx, input, { ...writeOptions(req), ...(ticket ? { idempotency: ticket } : {}) }, ({ thread }) =>
        json(201, thread, { Location: `/threads/${thread.id}`, ETag: threadEtag(thread) }),
      ),
    );
  },

  'PATCH /threads/{id}': async (req) => {
    const id = threadIdParam(req.params);
    const input = parseWith(PatchThreadSchema, readJsonBody(req.event), 'The change');
    return patchThread(req.ctx, id, input, writeOptions(req), ({ thread }) => json(200, thread, { ETag: threadEtag(thread) }));
  },

  'POST /threads/{id}/updates': async (req) => {
    const id = threadIdParam(req.params);
    const raw = readJsonBody(req.event);
    const input = parseWith(CreateUpdateSchema, raw, 'The update');
    return idempotent(req, raw, (ticket) =>
      postUpdate(req.ctx, id, input, { ...writeOptions(req), ...(ticket ? { idempotency: ticket } : {}) }, (result) =>
        json(201, withUpdate(result), { Location: `/threads/${id}/updates/${result.update!.id}`, ETag: threadEtag(result.thread) }),
      ),
    );
  },

  'POST /threads/{id}/updates/{updateId}/retraction': async (req) => {
    const id = threadIdParam(req.params);
    const updateId = updateIdParam(req.params, id);
    const raw = readJsonBody(req.event);
    const { reason } = parseWith(RetractionSchema, raw, 'The retraction');
    return idempotent(req, raw, (ticket) =>
      retractUpdate(req.ctx, id, updateId, reason, { ...writeOptions(req), ...(ticket ? { idempotency: ticket } : {}) }, (result) =>
        json(200, withUpdate(result), { ETag: threadEtag(result.thread) }),
      ),
    );
  },
}, appContext);
