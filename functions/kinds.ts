import { ValidationError } from '../shared/domain/errors';
import { NAME, NAME_MESSAGE } from '../shared/domain/kinds';
import { PutKindSchema, parseWith } from '../shared/domain/schemas';
import { putKind } from '../shared/app/kinds';
import { functionContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { lambdaHandler } from '../shared/http/handler';
import { readJsonBody } from '../shared/http/request';
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
      const kind = req.params.kind ?? '';
      // The name is what is being defined, so a bad one is the request's mistake (400), not a missing resource.
      if (!NAME.test(kind)) throw ValidationError.field('kind', NAME_MESSAGE);
      const input = parseWith(PutKindSchema, readJsonBody(req.event), 'The kind');
      const { definition, created } = await putKind(req.ctx, kind, input, req.principal);
      return json(created ? 201 : 200, definition, created ? { Location: `/kinds/${kind}` } : {});
    },
  },
  appContext,
);
