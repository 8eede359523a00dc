import { AlreadyDecidedError, IdempotencyInProgressError, NotFoundError } from '../domain/errors';
import type { InboxItem } from '../domain/inbox';
import { outletOf } from '../domain/inbox-text';
import { LIMITS } from '../domain/limits';
import type { AcceptInboxItemInput, CreateUpdateInput } from '../domain/schemas';
import { nowUtc, parsePreciseTime, type PreciseTime } from '../domain/time';
import type { Principal, Source } from '../domain/types';
import { InboxItemDecided, type InboxStore } from '../store/inbox-store';
import { IdempotencyClaimLost } from '../store/thread-store';
import { createDraft, type DraftWrites } from './drafts';
import {
  postUpdate,
  type IdempotencyTicket,
  type ThreadWrites,
  type WriteOptions,
  type WriteResult,
} from './threads';

/**
 * Deciding an inbox item (contract 1.2): accepting posts an update (or stores a draft) through the
 * one write path of `POST /threads/{id}/updates` (validation, If-Match, Idempotency-Key, the outbox),
 * and the item's decision is one more part of that write's transaction, so the update and the
 * decision land together or not at all; dismissing is one conditional write. Either only from
 * `new`: 409 after.
 */

export type InboxDecisionDeps = ThreadWrites & DraftWrites & { inbox: InboxStore };

export interface Accepted extends WriteResult {
  item: InboxItem;
}

async function newItem(ctx: Pick<InboxDecisionDeps, 'inbox'>, id: string): Promise<InboxItem> {
  const item = await ctx.inbox.get(id, true);
  if (!item) throw new NotFoundError(`No inbox item ${id}.`);
  if (item.state !== 'new') throw decided(item);
  return item;
}

const decided = (item: Pick<InboxItem, 'id' | 'state' | 'decidedAt'>) =>
  new AlreadyDecidedError(
    `Inbox item ${item.id} was ${item.state}${item.decidedAt ? ` at ${item.decidedAt}` : ''}.`,
  );

/** The item's URL and its duplicates, as an update's sources (at most the contract's 20). */
export const sourcesOf = (item: InboxItem): Source[] =>
  [
    {
      url: item.url,
      title: item.title.slice(0, LIMITS.sourceText),
      ...(item.outlet ? { publisher: item.outlet } : {}),
      ...(item.publishedAt ? { publishedAt: item.publishedAt } : {}),
    },
    ...item.duplicates.map((url) => {
      const outlet = outletOf(url);
      return { url, ...(outlet ? { publisher: outlet } : {}) };
    }),
  ].slice(0, LIMITS.sources);

/**
 * When the update happened, by default: the match's suggested date unless it is in the future (a
 * date the text gives for something yet to come is no default), else when the item was published,
 * else now (undefined: the write path's own default).
 */
export function defaultOccurredAt(item: InboxItem, threadId: string, now: string): PreciseTime | undefined {
  const match = item.matches.find((m) => m.threadId === threadId);
  if (match?.suggestedOccurredAt) {
    const suggested = parsePreciseTime(match.suggestedOccurredAt);
    if (suggested && suggested.at <= now) return suggested;
  }
  return item.publishedAt !== null && item.publishedAt <= now
    ? { at: item.publishedAt, precision: 'instant' }
    : undefined;
}

/** The update an acceptance posts: the editor's fields, else the item's suggestions (contract 1.2). */
export function updateFor(item: InboxItem, input: AcceptInboxItemInput, now: string): CreateUpdateInput {
  const match = item.matches.find((m) => m.threadId === input.threadId);
  const occurredAt = input.occurredAt ?? defaultOccurredAt(item, input.threadId, now);
  return {
    status: input.status !== undefined ? input.status : (match?.suggestedStatus ?? null),
    summary: input.summary ?? item.title,
    ...(occurredAt !== undefined ? { occurredAt } : {}),
    sources: sourcesOf(item),
    ...(input.quotes !== undefined ? { quotes: input.quotes } : {}),
    inboxItem: item.id,
  };
}

/**
 * Accept an item as an update, or with `draft: true` as a draft (contract 1.2, "Drafts": accepting
 * may create a draft) stored exactly as `POST /threads/{id}/updates` with `draft: true` stores one.
 * Either way the item's decision commits in the same transaction. An item accepted as a draft names
 * the draft in `updateId`; the update it is published as carries `draftId` (that id) and `inboxItem`.
 */
export async function acceptInboxItem(
  ctx: InboxDecisionDeps,
  id: string,
  input: AcceptInboxItemInput,
  options: WriteOptions,
): Promise<Accepted> {
  const item = await newItem(ctx, id);
  const now = nowUtc();
  let decidedAt = now;
  let updateId = '';
  const decision: WriteOptions['also'] = ({ update, draft }) => {
    const written = draft ?? update!;
    decidedAt = written.recordedAt;
    updateId = written.id;
    return {
      write: ctx.inbox.decisionUpdate({
        id: item.id,
        scenario: item.scenario,
        state: 'accepted',
        decidedAt,
        decidedBy: options.principal.name,
        updateId,
      }),
      // Someone decided it between our read and our commit: nothing of this write landed.
      refused: () => new AlreadyDecidedError(`Inbox item ${item.id} was decided meanwhile.`),
    };
  };
  const update = updateFor(item, input, now);
  const result =
    input.draft === true
      ? await createDraft(ctx, input.threadId, update, { ...options, also: decision })
      : await postUpdate(ctx, input.threadId, update, { ...options, also: decision });
  return {
    ...result,
    item: { ...item, state: 'accepted', decidedAt, decidedBy: options.principal.name, updateId },
  };
}

export async function dismissInboxItem(
  ctx: Pick<InboxDecisionDeps, 'inbox' | 'config'>,
  id: string,
  reason: string | undefined,
  principal: Principal,
  idempotency?: IdempotencyTicket,
): Promise<InboxItem> {
  const item = await newItem(ctx, id);
  const decision = {
    id,
    scenario: item.scenario,
    state: 'dismissed' as const,
    decidedAt: nowUtc(),
    decidedBy: principal.name,
    updateId: null,
    reason: reason ?? null,
  };
  // The record keeps the item as this dismissal leaves it: what the first answer shows.
  const after: InboxItem = {
    ...item,
    state: decision.state,
    decidedAt: decision.decidedAt,
    decidedBy: decision.decidedBy,
    updateId: null,
  };
  try {
    return await ctx.inbox.dismiss(
      decision,
      idempotency
        ? { ...idempotency, outcome: { inboxItem: after }, ttlSeconds: ctx.config.idempotencyTtlSeconds }
        : undefined,
    );
  } catch (error) {
    if (error instanceof IdempotencyClaimLost)
      throw new IdempotencyInProgressError('Another request with this Idempotency-Key took over.');
    if (!(error instanceof InboxItemDecided)) throw error;
    const now = await ctx.inbox.get(id, true);
    throw decided(now ?? item);
  }
}
