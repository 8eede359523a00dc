import type { Context, EventBridgeEvent } from 'aws-lambda';
import { functionContext, type AppContext } from '../shared/app/context';
import * as parts from '../shared/app/parts';
import { fanOutLive } from '../shared/app/live';
import type { TrackerEvent } from '../shared/domain/event';
import { ApiGatewayLiveSender } from '../shared/events/live-sender';
import { count, invocation } from '../shared/observability';
import { ConnectionStore } from '../shared/store/connection-store';

/** This function's context: the parts its routes use (and its IAM role's item families allow). */
export const appContext = functionContext({ tokens: parts.tokens });

/**
 * Live fan-out in the cloud: an EventBridge rule on the notification bus (the stream webhooks are
 * fed from) invokes this for every tracker event; it posts the envelope to every connection
 * subscribed to the event's scenario or thread (a Query per target shard), forgets connections API
 * Gateway reports gone (410) and refuses those whose token was revoked (shared/app/live.ts).
 */
/** Built once per context (a warm function reuses the SDK client). */
let adapters: { ctx: AppContext; store: ConnectionStore; sender: ApiGatewayLiveSender } | undefined;

export const handler = async (
  event: Pick<EventBridgeEvent<string, TrackerEvent>, 'detail'>,
  context?: Context,
): Promise<{ sent: number; gone: number; refused: number }> =>
  invocation('live-fanout', { context }, async () => {
    const ctx = appContext();
    if (!ctx.config.liveCallbackUrl) throw new Error('TRACKER_LIVE_CALLBACK_URL is not set');
    if (adapters?.ctx !== ctx)
      adapters = {
        ctx,
        store: new ConnectionStore(ctx.db, ctx.config.tableName),
        sender: new ApiGatewayLiveSender(ctx.config.liveCallbackUrl, ctx.config.region),
      };
    const { store, sender } = adapters;
    if (!event.detail?.id) return { sent: 0, gone: 0, refused: 0 };
    const report = await fanOutLive(
      { registry: store, tokens: ctx.tokens, sender },
      [event.detail],
      Date.now(),
    );
    count('LiveFramesSent', report.sent);
    count('LiveConnectionsGone', report.gone);
    return report;
  });
