import * as z from 'zod/mini';
import { TrackerError, ValidationError, type FieldProblem } from './errors';
import { slug, toFieldProblems } from './schema-basics';
import type { TrackerEvent } from './event';
import { OPT_IN_EVENT_TYPES, type OptInEventType } from './event-types';

/**
 * The live protocol (contract 1.1 "Live updates"), apart from any transport: what a client may send,
 * what it is answered, and which events reach which subscription. The local server (ws) and the cloud
 * (API Gateway WebSocket API) both speak it through shared/app/live.ts.
 *
 * Client → server, one JSON object per text message:
 * - `{ "action": "subscribe", "scenario": "…" }` or `{ "action": "subscribe", "threadId": "…" }` →
 *   `{ "type": "Subscribed", "scenario": "…" }` (the target echoed), then every matching event.
 *   Subscribing again to the same target changes nothing and is answered the same.
 * - `{ "action": "unsubscribe", … }` with the same target → `{ "type": "Unsubscribed", … }`; no more
 *   events for that target (answered the same whether or not it was subscribed: idempotent).
 * - `{ "action": "ping" }` → `{ "type": "Pong" }`: what a browser (which cannot send ping frames)
 *   sends to keep an otherwise silent connection from being closed as idle.
 * Anything else is answered `{ "type": "Error", "code", "title", "detail", "errors"? }` — the
 * problem-details fields — and the connection stays open.
 */

/**
 * What a connection can follow: one scenario, or one thread; or (contract 1.2) a scenario's opt-in
 * events, named in `events` — today InboxItemArrived, for editors — which a plain subscription to
 * the scenario does not carry and which carries nothing else.
 */
export type LiveTarget =
  { scenario: string } | { threadId: string } | { scenario: string; events: readonly OptInEventType[] };

export const LIVE_LIMITS = {
  /** Longest client message: the largest valid one is under 150 bytes. */
  messageBytes: 4096,
  /** Subscriptions one connection may hold at once (a desk follows one scenario and a few threads). */
  subscriptionsPerConnection: 20,
  /**
   * Client messages one connection may send in one window (fixed windows of messageWindowMs): a desk
   * sends a ping every 5 minutes and two messages when it changes scenario. Every message costs the
   * cloud a function run and a write, so a flood on one connection must not become everyone's wait.
   */
  messagesPerWindow: 60,
  messageWindowMs: 60_000,
  /**
   * A client message checks the connection's token again only when the last check is this old: a
   * revoked token still ends its connections within this long, without a database read per message.
   */
  tokenRecheckMs: 60_000,
} as const;

/** The close code of a connection whose token was refused after the handshake (contract). */
export const CLOSE_UNAUTHORIZED = 4401;

/**
 * The close code of a connection that went past a limit: too many messages in a window, or a
 * subscription beyond the most it may hold (not in the contract: docs/security.md "WebSocket limits").
 */
export const CLOSE_LIMIT_EXCEEDED = 4429;

/** A connection already holds LIVE_LIMITS.subscriptionsPerConnection subscriptions. */
export class LiveSubscriptionLimitError extends TrackerError {
  readonly status = 422;
  readonly code = 'too_many_subscriptions';
  readonly title = 'Too many subscriptions on this connection';
}

/** A connection sent more than LIVE_LIMITS.messagesPerWindow messages in one window. */
export class LiveMessageRateError extends TrackerError {
  readonly status = 429;
  readonly code = 'too_many_messages';
  readonly title = 'Too many messages on this connection';
}

/** How many messages a connection sent in which window: what a registry keeps per connection. */
export interface MessageCount {
  window: number;
  count: number;
}

/** The fixed window a message sent at `nowMs` counts in. */
export const messageWindow = (nowMs: number): number => Math.floor(nowMs / LIVE_LIMITS.messageWindowMs);

/**
 * Count one message: the rule of the message limit, kept by both registries (in memory locally; in
 * the cloud the connection item's `msgWindow`/`msgCount`, counted by one conditional UpdateItem that
 * does the same). Past the limit the message is not admitted and the connection is closed.
 */
export function countMessage(
  previous: MessageCount | undefined,
  nowMs: number,
): { next: MessageCount; admitted: boolean } {
  const window = messageWindow(nowMs);
  const count = previous && previous.window === window ? previous.count + 1 : 1;
  return { next: { window, count }, admitted: count <= LIVE_LIMITS.messagesPerWindow };
}

/** Whether a client message must check the token again (the last check too old, or the clock went back). */
export const tokenCheckDue = (checkedAt: number, nowMs: number): boolean =>
  nowMs < checkedAt || nowMs - checkedAt >= LIVE_LIMITS.tokenRecheckMs;

const target = {
  scenario: z.optional(slug),
  threadId: z.optional(slug),
  events: z.optional(
    z
      .array(z.enum(OPT_IN_EVENT_TYPES))
      .check(z.minLength(1, 'must name at least one event type'), z.maxLength(OPT_IN_EVENT_TYPES.length)),
  ),
};
const exactlyOneTarget = (m: { scenario?: string | undefined; threadId?: string | undefined }) =>
  (m.scenario === undefined) !== (m.threadId === undefined);
const eventsOfScenario = (m: { threadId?: string | undefined; events?: unknown }) =>
  m.events === undefined || m.threadId === undefined;

const targetMessage = <A extends 'subscribe' | 'unsubscribe'>(action: A) =>
  z.strictObject({ action: z.literal(action), ...target }).check(
    z.refine(exactlyOneTarget, { message: 'give exactly one of scenario and threadId', path: [] }),
    z.refine(eventsOfScenario, {
      message: 'events are followed by scenario, not by thread',
      path: ['events'],
    }),
  );
const LiveMessageSchema = z.discriminatedUnion('action', [
  targetMessage('subscribe'),
  targetMessage('unsubscribe'),
  z.strictObject({ action: z.literal('ping') }),
]);

export type LiveMessage = { action: 'subscribe' | 'unsubscribe'; target: LiveTarget } | { action: 'ping' };

const ACTIONS = ['subscribe', 'unsubscribe', 'ping'] as const;

/** Parse one client message (a text frame's payload) or throw a ValidationError naming the problem. */
export function parseLiveMessage(raw: string | Buffer, binary = false): LiveMessage {
  if (binary) throw ValidationError.field('(message)', 'must be a text message holding a JSON object');
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (Buffer.byteLength(text, 'utf8') > LIVE_LIMITS.messageBytes)
    throw ValidationError.field('(message)', `must be at most ${LIVE_LIMITS.messageBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw ValidationError.field('(message)', 'must be a JSON object');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw ValidationError.field('(message)', 'must be a JSON object');
  const action = (json as Record<string, unknown>).action;
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number]))
    throw ValidationError.field('action', `must be one of: ${ACTIONS.join(', ')}`);
  const result = z.safeParse(LiveMessageSchema, json);
  if (!result.success) {
    const errors = toFieldProblems(result.error, json, 'is not a known field').map((p) =>
      p.path === '(body)' ? { ...p, path: '(message)' } : p,
    );
    throw new ValidationError(
      `The message is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  const parsed = result.data;
  if (parsed.action === 'ping') return { action: 'ping' };
  return {
    action: parsed.action,
    target:
      parsed.scenario === undefined
        ? { threadId: parsed.threadId! }
        : parsed.events !== undefined
          ? { scenario: parsed.scenario, events: [...new Set(parsed.events)] }
          : { scenario: parsed.scenario },
  };
}

/** Whether a target follows opt-in events (only editors may: contract 1.2). */
export const isOptInTarget = (t: LiveTarget): t is { scenario: string; events: readonly OptInEventType[] } =>
  'events' in t;

/** A target as one string (`scenario:<id>`, `thread:<id>`): how registries index subscriptions. */
export const targetKey = (t: LiveTarget): string =>
  isOptInTarget(t)
    ? `inbox:${t.scenario}`
    : 'scenario' in t
      ? `scenario:${t.scenario}`
      : `thread:${t.threadId}`;

export const targetOfKey = (key: string): LiveTarget => {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const id = key.slice(colon + 1);
  if (kind === 'scenario') return { scenario: id };
  if (kind === 'thread') return { threadId: id };
  if (kind === 'inbox') return { scenario: id, events: ['InboxItemArrived'] };
  throw new Error(`not a live target key: ${key}`);
};

/**
 * The targets an event is delivered to: its scenario (and, for a ThreadChanged that moved the thread,
 * the scenario it left) and its thread; ThreadChanged (1.2) goes live like every other type. A Ping is for one webhook
 * subscription only and never goes live; an InboxItemArrived goes only to its scenario's opt-in target.
 */
export function targetsOf(event: TrackerEvent): LiveTarget[] {
  if (event.type === 'Ping') return [];
  // Opt-in: only to the sockets that named it for the item's scenario.
  if (event.type === 'InboxItemArrived')
    return event.scenario ? [{ scenario: event.scenario, events: ['InboxItemArrived'] }] : [];
  const out: LiveTarget[] = [];
  if (event.scenario) out.push({ scenario: event.scenario });
  // A ThreadChanged that moved the thread also reaches the scenario it left (contract 1.2).
  if (event.previousScenario) out.push({ scenario: event.previousScenario });
  if (event.threadId) out.push({ threadId: event.threadId });
  return out;
}

/** Whether a subscription to `t` receives `event`. */
export const matchesTarget = (t: LiveTarget, event: TrackerEvent): boolean =>
  targetsOf(event).some((e) => targetKey(e) === targetKey(t));

// ---- Frames the server sends ----

export type LiveFrame =
  | ({ type: 'Subscribed' | 'Unsubscribed' } & LiveTarget)
  | { type: 'Pong' }
  | {
      type: 'Error';
      code: string;
      title: string;
      detail: string;
      errors?: FieldProblem[];
    };

export const subscribedFrame = (t: LiveTarget): LiveFrame => ({ type: 'Subscribed', ...t });
export const unsubscribedFrame = (t: LiveTarget): LiveFrame => ({ type: 'Unsubscribed', ...t });
export const pongFrame = (): LiveFrame => ({ type: 'Pong' });

/** An error as a frame: the problem-details fields of the same error over HTTP (no status: there is none). */
export const errorFrame = (error: TrackerError): LiveFrame => ({
  type: 'Error',
  code: error.code,
  title: error.title,
  detail: error.message,
  ...(error.errors?.length ? { errors: error.errors } : {}),
});
