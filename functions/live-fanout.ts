import type { Context, EventBridgeEvent } from 'aws-lambda';
import { SeenEvents, cloudLive, fanOutLive, liveSender, type CloudLive } from '../shared/app/live';
import { config } from '../shared/config';
import type { TrackerEvent } from '../shared/domain/event';
import { count, invocation } from '../shared/observability';
import { createDocumentClient } from '../shared/store/client';
import { TokenStore } from '../shared/store/token-store';
import { PublicStore } from '../shared/store/public-store';
import { createPublicEvents, type PublicEventsTransport } from '../shared/events/public-events';
import { publishPublicChanges, type PublicLiveDeps } from '../shared/app/public-live';

const cfg = config();
const db = createDocumentClient(cfg);
/** What this function uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps = cloudLive({ config: cfg, db, tokens: new TokenStore(db, cfg.tableName) });
/** The public channels of live embeds (AppSync Events), when the stack names them. */
const transport: PublicEventsTransport | undefined = createPublicEvents(cfg);
const publicLive: PublicLiveDeps | undefined = transport
  ? { publicViews: new PublicStore(db, cfg.tableName), transport }
  : undefined;
/** Events this instance has sent: a repeat (the relay's, or EventBridge's) is not sent again. */
const seen = new SeenEvents();

/**
 * Live fan-out in the cloud: an EventBridge rule on the notification bus (the stream webhooks are
 * fed from) invokes this for every tracker event; it posts the envelope to every connection
 * subscribed to the event's scenario or thread (a Query per target shard), forgets connections API
 * Gateway reports gone (410) and refuses those whose token was revoked (shared/app/live.ts).
 *
 * The same event, when it changes what a public scenario's readers see, is published once on the
 * scenario's public channel (AppSync Events fans it out to every embed: shared/app/public-live.ts):
 * one read of the items it names, whatever the number of readers; none for the events that cannot
 * change a public view.
 */
export const handlerFor =
  (live: () => CloudLive, publicChannels: () => PublicLiveDeps | undefined = () => undefined) =>
  async (
    event: Pick<EventBridgeEvent<string, TrackerEvent>, 'detail'>,
    context?: Context,
  ): Promise<{ sent: number; gone: number; refused: number; published: number }> =>
    invocation('live-fanout', { context }, async () => {
      const d = live();
      const sender = liveSender(d);
      if (!event.detail?.id || seen.fresh([event.detail]).length === 0)
        return { sent: 0, gone: 0, refused: 0, published: 0 };
      const pub = publicChannels();
      const [report, publicReport] = await Promise.all([
        fanOutLive({ ...d, sender }, [event.detail], Date.now()),
        pub ? publishPublicChanges(pub, [event.detail]) : undefined,
      ]);
      seen.sent([event.detail]);
      count('LiveFramesSent', report.sent);
      count('LiveConnectionsGone', report.gone);
      count('PublicMessagesPublished', publicReport?.published.length ?? 0);
      return { ...report, published: publicReport?.published.length ?? 0 };
    });

export const handler = handlerFor(
  () => deps,
  () => publicLive,
);
