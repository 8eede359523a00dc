import { cloudLive, handleLiveMessage, liveSender, type CloudLive } from '../shared/app/live';
import type { Context } from 'aws-lambda';
import { config } from '../shared/config';
import { invocation } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';

const cfg = config();
const db = createDocumentClient(cfg);
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps = cloudLive({ config: cfg, db, tokens: new TokenStore(db, cfg.tableName) });

/**
 * The live WebSocket API's routes in the cloud (infra/live-api.ts):
 *
 * - `$connect` (after the authorizer accepted the token): the connection's item, with the token's
 *   subject and name from the authorizer context;
 * - `$disconnect`: the connection's items go (best effort on API Gateway's side: TTL does the rest);
 * - `$default`: every client message, answered through the route response (shared/app/live.ts),
 *   except one that ends the connection (a revoked token, a limit passed: too many messages or
 *   subscriptions), which gets its error frame posted and the connection deleted (API Gateway
 *   chooses the close code; the frame says why).
 */
export interface LiveRouteEvent {
  requestContext: {
    routeKey: string;
    connectionId: string;
    /** API Gateway's id of this message or connection event: the log lines' correlation id. */
    requestId?: string;
    authorizer?: { subject?: string; name?: string } | null;
  };
  body?: string | null;
  isBase64Encoded?: boolean;
}

export const handlerFor =
  (live: () => CloudLive) =>
  async (event: LiveRouteEvent, context?: Context): Promise<{ statusCode: number; body?: string }> =>
    invocation(
      `live ${event.requestContext.routeKey}`,
      { context, correlationId: event.requestContext.requestId },
      async () => {
        const { routeKey, connectionId, authorizer } = event.requestContext;
        const d = live();
        const now = Date.now();
        if (routeKey === '$connect') {
          if (!authorizer?.subject || !authorizer.name) return { statusCode: 401 };
          await d.store.connect({ connectionId, subject: authorizer.subject, name: authorizer.name }, now);
          return { statusCode: 200 };
        }
        if (routeKey === '$disconnect') {
          await d.store.remove(connectionId);
          return { statusCode: 200 };
        }
        const subject = authorizer?.subject ?? (await d.store.get(connectionId))?.subject;
        if (!subject) return { statusCode: 410 };
        const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : (event.body ?? '');
        const reply = await handleLiveMessage(d, { connectionId, subject }, raw, false, now);
        if (reply.close) {
          const s = liveSender(d);
          await s.send(connectionId, JSON.stringify(reply.frame));
          await s.refuse(connectionId);
          await d.store.remove(connectionId);
          return { statusCode: 200 };
        }
        return { statusCode: 200, body: JSON.stringify(reply.frame) };
      },
    );

export const handler = handlerFor(() => deps);
