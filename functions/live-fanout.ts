import type { Context, EventBridgeEvent } from 'aws-lambda';
import { SeenEvents, cloudLive, fanOutLive, liveSender, type CloudLive } from '../shared/app/live';
import { config } from '../shared/config';
import type { TrackerEvent } from '../shared/domain/event';
import { count, invocation } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';

const cfg = config();
const db = createDocumentClient(cfg);
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps = cloudLive({ config: cfg, db, tokens: new TokenStore(db, cfg.tableName) });
/** Events this instance has sent: a repeat (the relay's, or EventBridge's) is not sent again. */
const seen = new SeenEvents();

/**
 * Live fan-out in the cloud: an EventBridge rule on the notification bus (the stream webhooks are
 * fed from) invokes this for every tracker event; it posts the envelope to every connection
 * subscribed to the event's scenario or thread (a Query per target shard), forgets connections API
 * Gateway reports gone (410) and refuses those whose token was revoked (shared/app/live.ts).
 */
export const handlerFor =
  (live: () => CloudLive) =>
  async (
    event: Pick<EventBridgeEvent<string, TrackerEvent>, 'detail'>,
    context?: Context,
  ): Promise<{ sent: number; gone: number; refused: number }> =>
    invocation('live-fanout', { context }, async () => {
      const d = live();
      const sender = liveSender(d);
      if (!event.detail?.id || seen.fresh([event.detail]).length === 0)
        return { sent: 0, gone: 0, refused: 0 };
      const report = await fanOutLive({ ...d, sender }, [event.detail], Date.now());
      seen.sent([event.detail]);
      count('LiveFramesSent', report.sent);
      count('LiveConnectionsGone', report.gone);
      return report;
    });

export const handler = handlerFor(() => deps);
