import { putKind } from '../shared/app/kinds';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { lambdaHandler } from '../shared/http/handler';
import { json } from '../shared/http/response';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({
  kindStore: parts.kindStore,
  kinds: parts.kinds,
  idempotency: parts.idempotency,
});

/**
 * Custom kinds (admin). `GET /kinds` is a read route (threads-read); this function only writes, and
 * only the KINDS partition (infra/permissions.ts). Like tokens, it does not honour Idempotency-Key:
 * a PUT of the same definition is idempotent by itself.
 */
export const handler = lambdaHandler(
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
