import { kindCache, putKind } from '../shared/app/kinds';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { KindStore } from '../shared/store/kind-store';
import { lambdaHandler } from '../shared/http/handler';
import { KINDS_ROUTES } from '../shared/routes/kinds';
import { json } from '../shared/http/response';

const cfg = config();
const kindStore = new KindStore(createDocumentClient(cfg), cfg.tableName);
/** What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). */
const deps = { kindStore, kinds: kindCache(kindStore, cfg.kindsCacheSeconds * 1000) };
const appContext = () => deps;

/**
 * Custom kinds (admin). `GET /kinds` is a read route (threads-read); this function only writes, and
 * only the KINDS partition (infra/permissions.ts). Like tokens, it does not honour Idempotency-Key:
 * a PUT of the same definition is idempotent by itself.
 */
export const handler = lambdaHandler(KINDS_ROUTES)(
  'kinds',
  {
    'PUT /kinds/{kind}': async (req) => {
      const { kind } = req.params;
      const { definition, created } = await putKind(req.ctx, kind, req.body, req.principal);
      return json(created ? 201 : 200, definition, created ? { Location: `/kinds/${kind}` } : {});
    },
  },
  appContext,
);
