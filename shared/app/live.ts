import { ForbiddenError, NotFoundError, TrackerError, UnauthorizedError } from '../domain/errors';
import type { TrackerEvent } from '../domain/event';
import {
  CLOSE_LIMIT_EXCEEDED,
  CLOSE_UNAUTHORIZED,
  LIVE_LIMITS,
  LiveMessageRateError,
  LiveSubscriptionLimitError,
  errorFrame,
  isOptInTarget,
  parseLiveMessage,
  tokenCheckDue,
  pongFrame,
  subscribedFrame,
  targetsOf,
  unsubscribedFrame,
  type LiveFrame,
  type LiveTarget,
} from '../domain/live-protocol';
import { ApiGatewayLiveSender } from '../events/live-sender';
import type { Publisher } from '../events/publisher';
import { logger } from '../observability';
import { roleIncludes, type Role } from '../domain/types';
import { ConnectionStore } from '../store/connection-store';
import type { AppContext } from './context';

/**
 * The live WebSocket (contract 1.1 "Live updates"), the same logic locally and in the cloud, over two
 * ports: where connections and subscriptions are kept (`LiveRegistry`: in memory in the local
 * server, connection items in the table in the cloud) and how a frame reaches a connection
 * (`LiveSender`: the ws socket, or API Gateway's management API).
 *
 * A connection carries the subject (hash) of the token it was opened with. That token is checked
 * again before every event sent (once per token per batch of events), and on a client message when
 * the last check is older than LIVE_LIMITS.tokenRecheckMs (a flood of messages must not be a flood of
 * database reads): a revoked token gets an `unauthorized` error frame and its connection is closed
 * (code 4401 locally; in the cloud API Gateway closes it). Each client message is counted against
 * the connection's limit first (LIVE_LIMITS.messagesPerWindow); past it, or past the subscription
 * limit, the connection gets an error frame and is closed (4429 locally). An idle connection stays
 * open no longer than its transport allows (10 minutes without a client message).
 */

/** A connection as the registries know it. */
export interface LiveConnection {
  connectionId: string;
  /** SHA-256 hash of the connection's token (shared/app/tokens.ts), never the token itself. */
  subject: string;
}

export interface LiveRegistry {
  /**
   * Count a client message against the connection's limit (countMessage) and say when its token was
   * last found valid; null when the connection is not registered (any more).
   */
  admit(connectionId: string, nowMs: number): Promise<{ admitted: boolean; tokenCheckedAt: number } | null>;
  /** The connection's token was found valid at `nowMs`. */
  tokenChecked(connectionId: string, nowMs: number): Promise<void>;
  /**
   * Add a subscription (again: no change). False when the connection is not registered (any more);
   * throws LiveSubscriptionLimitError when it holds the most it may.
   */
  subscribe(connectionId: string, target: LiveTarget, nowMs: number): Promise<boolean>;
  unsubscribe(connectionId: string, target: LiveTarget, nowMs: number): Promise<void>;
  /** The client said something: the connection is not idle. */
  touch(connectionId: string, nowMs: number): Promise<void>;
  /** Every live connection subscribed to `target`. */
  subscribersOf(target: LiveTarget, nowMs: number): Promise<LiveConnection[]>;
  /** Forget a connection and its subscriptions (gone, closed or refused). */
  remove(connectionId: string): Promise<void>;
}

export interface LiveSender {
  /** Send one text frame; false when the connection is gone (it is then removed from the registry). */
  send(connectionId: string, frame: string): Promise<boolean>;
  /** End a connection whose token is no longer valid (after an `unauthorized` frame). */
  refuse(connectionId: string): Promise<void>;
}

export interface LiveDeps {
  registry: LiveRegistry;
  tokens: AppContext['tokens'];
}

/** How a connection is ended: the close code (where the transport lets us choose it) and reason. */
export interface LiveClose {
  code: number;
  reason: string;
}

/** What a client message comes to: the frame to answer, and whether the connection must then be closed. */
export interface LiveReply {
  frame: LiveFrame;
  close?: LiveClose;
}

const revoked = () =>
  new UnauthorizedError('The token of this connection was revoked; reconnect with a valid token.');

export const CLOSE_REVOKED: LiveClose = { code: CLOSE_UNAUTHORIZED, reason: 'token revoked' };
export const CLOSE_TOO_MANY_MESSAGES: LiveClose = { code: CLOSE_LIMIT_EXCEEDED, reason: 'too many messages' };
export const CLOSE_TOO_MANY_SUBSCRIPTIONS: LiveClose = {
  code: CLOSE_LIMIT_EXCEEDED,
  reason: 'too many subscriptions',
};

/** Answer one client message (a text or binary frame's payload). Never throws for the client's mistakes. */
export async function handleLiveMessage(
  deps: LiveDeps,
  connection: LiveConnection,
  raw: string | Buffer,
  binary: boolean,
  nowMs: number,
): Promise<LiveReply> {
  const id = connection.connectionId;
  const admission = await deps.registry.admit(id, nowMs);
  if (!admission) return { frame: errorFrame(gone()) };
  if (!admission.admitted)
    return {
      frame: errorFrame(
        new LiveMessageRateError(
          `A connection may send at most ${LIVE_LIMITS.messagesPerWindow} messages a minute; reconnect later.`,
        ),
      ),
      close: CLOSE_TOO_MANY_MESSAGES,
    };
  if (tokenCheckDue(admission.tokenCheckedAt, nowMs)) {
    if (!(await deps.tokens.findByHash(connection.subject)))
      return { frame: errorFrame(revoked()), close: CLOSE_REVOKED };
    await deps.registry.tokenChecked(id, nowMs);
  }
  try {
    const message = parseLiveMessage(raw, binary);
    if (message.action === 'ping') {
      await deps.registry.touch(id, nowMs);
      return { frame: pongFrame() };
    }
    if (message.action === 'unsubscribe') {
      await deps.registry.unsubscribe(id, message.target, nowMs);
      return { frame: unsubscribedFrame(message.target) };
    }
    // Inbox items are editors' business (contract 1.2): one token read, on such a subscribe only.
    if (isOptInTarget(message.target)) {
      const token = await deps.tokens.findByHash(connection.subject);
      if (!token) return { frame: errorFrame(revoked()), close: CLOSE_REVOKED };
      if (!roleIncludes(token.role as Role, 'editor'))
        throw new ForbiddenError('Only editors may follow InboxItemArrived.');
    }
    if (!(await deps.registry.subscribe(id, message.target, nowMs))) throw gone();
    return { frame: subscribedFrame(message.target) };
  } catch (error) {
    if (error instanceof LiveSubscriptionLimitError)
      return { frame: errorFrame(error), close: CLOSE_TOO_MANY_SUBSCRIPTIONS };
    if (error instanceof TrackerError) return { frame: errorFrame(error) };
    throw error;
  }
}

const gone = () => new NotFoundError('This connection is no longer registered; reconnect.');

/** What one fan-out did. */
export interface LiveFanOutReport {
  /** Frames sent (one per event per connection). */
  sent: number;
  /** Connections found gone, and removed. */
  gone: number;
  /** Connections whose token was revoked: refused and removed. */
  refused: number;
}

/**
 * Send each event to every connection subscribed to its scenario or its thread — once, however many
 * of its subscriptions match — in the order given. Connections found gone are removed; connections
 * whose token was revoked get an `unauthorized` frame instead of the events and are refused.
 */
export async function fanOutLive(
  deps: LiveDeps & { sender: LiveSender },
  events: readonly TrackerEvent[],
  nowMs: number,
): Promise<LiveFanOutReport> {
  const report: LiveFanOutReport = { sent: 0, gone: 0, refused: 0 };
  const perConnection = new Map<string, { connection: LiveConnection; events: TrackerEvent[] }>();
  for (const event of events) {
    const found = await Promise.all(targetsOf(event).map((t) => deps.registry.subscribersOf(t, nowMs)));
    const seen = new Set<string>();
    for (const connection of found.flat()) {
      if (seen.has(connection.connectionId)) continue;
      seen.add(connection.connectionId);
      const entry = perConnection.get(connection.connectionId) ?? { connection, events: [] };
      entry.events.push(event);
      perConnection.set(connection.connectionId, entry);
    }
  }
  if (perConnection.size === 0) return report;
  const subjects = [...new Set([...perConnection.values()].map((e) => e.connection.subject))];
  const valid = new Set(
    (await Promise.all(subjects.map(async (s) => ((await deps.tokens.findByHash(s)) ? s : null)))).filter(
      (s): s is string => s !== null,
    ),
  );
  await Promise.all(
    [...perConnection.values()].map(async ({ connection, events: theirs }) => {
      const id = connection.connectionId;
      if (!valid.has(connection.subject)) {
        report.refused++;
        await deps.sender.send(id, JSON.stringify(errorFrame(revoked()))).catch(() => false);
        await deps.sender.refuse(id);
        await deps.registry.remove(id);
        return;
      }
      for (const event of theirs) {
        if (!(await deps.sender.send(id, JSON.stringify(event)))) {
          report.gone++;
          await deps.registry.remove(id);
          return;
        }
        report.sent++;
      }
    }),
  );
  return report;
}

/** How many event ids a live fan-out remembers to drop a repeat (an hour of a busy newsroom's events). */
export const LIVE_SEEN_IDS = 10_000;

/**
 * The event ids a live fan-out has sent, the newest LIVE_SEEN_IDS: the outbox relay offers a record
 * again after a failed publish (and EventBridge delivers at least once), and a repeat must not reach
 * a screen twice. Per process (per function instance in the cloud): webhooks are exactly once per
 * event and subscription through their delivery items; a repeat that reaches another instance costs a
 * screen one revalidation answered 304 (docs/architecture.md).
 */
export class SeenEvents {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = LIVE_SEEN_IDS) {}

  /** The events not sent before, in order. */
  fresh(events: readonly TrackerEvent[]): TrackerEvent[] {
    return events.filter((e) => !this.ids.has(e.id));
  }

  /** Count these as sent (after the fan-out: one that failed may be tried again). */
  sent(events: readonly TrackerEvent[]): void {
    for (const { id } of events) {
      this.ids.add(id);
      // A Set iterates in insertion order: the first id is the oldest.
      if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    }
  }
}

/**
 * The local publisher's part for live connections: hands the events to the local server's live hub
 * (`ctx.liveEvents`) without waiting, each event once. Live frames are best effort (a client that
 * missed one revalidates with its ETags on reconnect), so nothing here can keep an event in the outbox.
 */
export class LiveTap implements Publisher {
  private readonly seen = new SeenEvents();
  constructor(private readonly ctx: () => Pick<AppContext, 'liveEvents'>) {}

  async publish(events: readonly TrackerEvent[]): Promise<void> {
    const fresh = this.seen.fresh(events);
    if (fresh.length === 0) return;
    try {
      this.ctx().liveEvents(fresh);
      this.seen.sent(fresh);
    } catch (error) {
      logger.warn('live fan-out failed', { error: String(error) });
    }
  }
}

/** What the cloud's live functions work with: connection items in the table, and API Gateway's management API. */
export interface CloudLive extends LiveDeps {
  store: ConnectionStore;
  /** Undefined where the stack gave no TRACKER_LIVE_CALLBACK_URL: sending then fails, naming it. */
  sender: ApiGatewayLiveSender | undefined;
}

/** The live functions' adapters, over the document client and token store of their composition. */
export function cloudLive(ctx: Pick<AppContext, 'config' | 'db' | 'tokens'>): CloudLive {
  const store = new ConnectionStore(ctx.db, ctx.config.tableName);
  const { liveCallbackUrl, region } = ctx.config;
  return {
    registry: store,
    store,
    tokens: ctx.tokens,
    sender: liveCallbackUrl ? new ApiGatewayLiveSender(liveCallbackUrl, region) : undefined,
  };
}

/** The sender, or the setting it lacks named. */
export function liveSender(live: CloudLive): ApiGatewayLiveSender {
  if (!live.sender) throw new Error('TRACKER_LIVE_CALLBACK_URL is not set');
  return live.sender;
}
