import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config';
import { pageTokenKeys } from '../store/keyring-source';
import { pageTokenKeyId } from '../store/page-token';
import type { Route } from '../routes/route';

/**
 * In the cloud the page-token keyring is a Secrets Manager secret (PAGE_TOKEN_SECRET_ARN), loaded
 * before a request that pages and re-read when its cache runs out (shared/store/keyring-source.ts),
 * or at once when the request's `nextToken` names a key it does not hold yet (another instance took
 * up a rotation first). While it cannot be read, paging answers 503 (never a guessable key). A
 * request for one thread, update or scenario never waits for it. The `prepare` step of the
 * functions whose routes page (threads-read, inbox).
 */
export async function loadPageKeys(
  event: APIGatewayProxyEventV2,
  ctx: { readonly config: Config },
  route: Pick<Route, 'page'>,
): Promise<void> {
  // Only the routes whose answers page (`page`, shared/routes/<group>.ts) need the page-token key.
  if (!ctx.config.pageTokenSecretArn || !route.page) return;
  const token = event.queryStringParameters?.nextToken;
  await pageTokenKeys(ctx.config)
    .load(token === undefined ? undefined : pageTokenKeyId(token))
    .catch(() => undefined); // an unread keyring is the codec's 503, answered as any error of the route
}
