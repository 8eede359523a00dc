/**
 * Type test, checked by `tsc` in `npm run lint` (not run by Jest): a function is composed statically,
 * so what it did not build is a compile error, never a run-time one. Use cases take only the
 * dependencies they use, and `req.ctx` is typed as exactly what the function built. Each
 * `@ts-expect-error` fails the type check if the error it expects goes away.
 */
import type { AppContext } from '../../shared/app/context';
import { createToken } from '../../shared/app/tokens';
import { putKind } from '../../shared/app/kinds';
import { lambdaHandler } from '../../shared/http/handler';
import { TOKENS_ROUTES } from '../../shared/routes/tokens';
import { empty } from '../../shared/http/response';

declare const tokensOnly: Pick<AppContext, 'tokens'>;
declare const kindsOnly: Pick<AppContext, 'kindStore' | 'kinds'>;

// A use case given the store it takes: compiles.
export const given = () => createToken(tokensOnly, 'night-desk', 'editor');

// @ts-expect-error a composition without the token store cannot create a token
export const lacking = () => createToken(kindsOnly, 'night-desk', 'editor');

// The dispatcher's `req.ctx` is what the function built: the token store, and nothing else.
export const tokensFunction = lambdaHandler(TOKENS_ROUTES)(
  'tokens',
  {
    'POST /tokens': async (req) => {
      await createToken(req.ctx, 'night-desk', 'editor');
      return empty(201);
    },
    'GET /tokens': async (req) => {
      // @ts-expect-error the tokens function built no kind store
      await putKind(req.ctx, 'meeting', { label: 'Meeting', statuses: [] }, { name: 'x', role: 'admin' });
      return empty(200);
    },
    'DELETE /tokens/{name}': async () => empty(204),
  },
  () => tokensOnly,
);

// The local server's composition (every store) serves any function.
declare const everything: AppContext;
export const overEverything = tokensFunction.with(() => everything);

// @ts-expect-error a composition that lacks the function's store cannot serve it
export const overTooLittle = tokensFunction.with(() => kindsOnly);
