import type { TrackerEvent, TrackerEventType } from '../domain/event';
import { publicChannel } from '../domain/public-channel';
import type { Scenario } from '../domain/types';
import type { PublicEventsTransport } from '../events/public-events';
import { logger } from '../observability';
import type { PublicStore } from '../store/public-store';
import { publicThread, type PublicThread } from './public';

/**
 * What readers of a public scenario are told live, on its public channel (shared/domain/
 * public-channel.ts): one message per change that reaches their view, published once for all of
 * them (AppSync Events fans it out to every subscriber; locally, the local server does). Nothing
 * per reader is stored or read here.
 *
 * A message is public by construction: the thread's public projection (`publicThread`, the same
 * shape as a thread of `GET /public/scenarios/{id}`), built field by field; the id of a thread that
 * left the scenario's public view; or a hint to read the public JSON again when the scenario's own
 * text changed. No author, no token, no update, nothing of a scenario that is not public.
 */
export type PublicMessage =
  /** A thread of the scenario as the public now sees it (new or changed): redraw it. */
  | { type: 'thread'; scenario: string; updatedAt: string; thread: PublicThread }
  /** The thread was archived, or moved to another scenario: take it out. */
  | { type: 'removed'; scenario: string; threadId: string }
  /** The scenario's title, description or `public` flag changed: read the public JSON again. */
  | { type: 'refetch'; scenario: string };

/**
 * The events that can change what the public sees of a thread. Left out: ThreadStatusChanged (a
 * write that changes the status also emits the update event it comes from: one message per change,
 * not two), ThreadStale (staleness is not shown publicly), Ping and InboxItemArrived (not a thread's
 * public state).
 */
export const PUBLIC_EVENT_TYPES: readonly TrackerEventType[] = [
  'ThreadCreated',
  'UpdatePosted',
  'UpdateAmended',
  'UpdateRetracted',
  'ThreadOverdue',
  'ThreadChanged',
];

/** A ThreadChanged reaches the public only when one of these fields changed (names as the thread has them). */
export const PUBLIC_THREAD_FIELDS: readonly string[] = [
  'title',
  'kind',
  'status',
  'statusSince',
  'statusSincePrecision',
  'summary',
  'expected',
  'overdue',
  'disputed',
  'corroboration',
  'archived',
  'scenario',
];

/** Whether an event may change a public view (before any read: most events of a quiet newsroom stop here). */
export function mayReachPublic(
  event: TrackerEvent,
): event is TrackerEvent & { scenario: string; threadId: string } {
  if (!PUBLIC_EVENT_TYPES.includes(event.type)) return false;
  if (!event.scenario || !event.threadId) return false;
  if (event.type === 'ThreadChanged')
    return (event.changes ?? []).some((f) => PUBLIC_THREAD_FIELDS.includes(f));
  return true;
}

export interface PublicLiveDeps {
  publicViews: Pick<PublicStore, 'snapshot'>;
  transport: PublicEventsTransport;
}

/** What one event came to: the messages published, by channel. */
export interface PublicLiveReport {
  /** Items read (one BatchGetItem per event that may reach the public). */
  reads: number;
  published: { channel: string; message: PublicMessage }[];
}

/**
 * The messages one event comes to, from one read of the items it names (the scenario it is in, the
 * scenario it left, the thread): the thread's projection for its scenario when that is public, and
 * a `removed` for a public scenario it left (moved) or no longer shows it (archived).
 */
export function messagesOf(
  event: TrackerEvent & { scenario: string; threadId: string },
  scenarios: ReadonlyMap<string, Scenario>,
  thread: Parameters<typeof publicThread>[0] | null,
): { channel: string; message: PublicMessage }[] {
  const out: { channel: string; message: PublicMessage }[] = [];
  const isPublic = (id: string) => scenarios.get(id)?.public === true;
  const removed = (scenario: string) => ({
    channel: publicChannel(scenario),
    message: { type: 'removed' as const, scenario, threadId: event.threadId },
  });
  // Where the thread is now: the item read says, not the event (a later move may have come since).
  const home = thread?.scenario ?? event.scenario;
  if (thread && !thread.archived && isPublic(home))
    out.push({
      channel: publicChannel(home),
      message: { type: 'thread', scenario: home, updatedAt: thread.updatedAt, thread: publicThread(thread) },
    });
  else if (isPublic(home)) out.push(removed(home));
  for (const left of [event.scenario, event.previousScenario])
    if (left !== undefined && left !== home && isPublic(left)) out.push(removed(left));
  return out;
}

/**
 * Publish what these events change of public views. A failed publish is logged and dropped: a live
 * message is best effort (the embed polls as a fallback and reads the public JSON whenever its socket
 * reconnects), and must never hold back the desk's live frames or the outbox.
 */
export async function publishPublicChanges(
  deps: PublicLiveDeps,
  events: readonly TrackerEvent[],
): Promise<PublicLiveReport> {
  const report: PublicLiveReport = { reads: 0, published: [] };
  for (const event of events) {
    if (!mayReachPublic(event)) continue;
    const names = event.previousScenario ? [event.scenario, event.previousScenario] : [event.scenario];
    const { scenarios, thread } = await deps.publicViews.snapshot(names, event.threadId);
    report.reads++;
    for (const { channel, message } of messagesOf(event, scenarios, thread)) {
      try {
        await deps.transport.publish(channel, [message]);
        report.published.push({ channel, message });
      } catch (error) {
        logger.warn('public channel publish failed', { channel, error: String(error) });
      }
    }
  }
  return report;
}

/**
 * The scenario's own text or `public` flag changed (PATCH /scenarios/{id}): embeds of it read the
 * public JSON again (a scenario made private then shows "not public"). Only for a scenario that was
 * or is public, and only when something the public sees changed; nothing is read.
 */
export async function publishScenarioChange(
  transport: PublicEventsTransport | undefined,
  before: Scenario,
  after: Scenario,
): Promise<boolean> {
  if (!transport || !(before.public || after.public)) return false;
  if (
    before.public === after.public &&
    before.title === after.title &&
    before.description === after.description
  )
    return false;
  try {
    await transport.publish(publicChannel(after.id), [{ type: 'refetch', scenario: after.id }]);
    return true;
  } catch (error) {
    logger.warn('public channel publish failed', { scenario: after.id, error: String(error) });
    return false;
  }
}
