import { decodeTime } from 'ulid';
import type { ChangeStore } from '../store/change-store';
import type { ScenarioStore } from '../store/scenario-store';
import type { Config } from '../config';
import type { PageTokenCodec } from '../store/page-token';
import { settleMs } from './changes';

/**
 * A scenario list's *mark*: what says, without reading the page, that nothing a scenario's thread
 * list shows has changed since (issue 25: a list page reads its threads by key, so a poll that
 * re-read the page to compare its digest cost a Query and a BatchGetItem, ~27 RCU for 50 threads).
 *
 * Every thread write leaves a carrier in its scenario's changes feed (GSI12; a move also one in the
 * scenario it left), so the scenario's newest carrier names its latest write. The mark is that
 * carrier's id, the scenario item's version (an import puts the scenario item in its last
 * transaction: while one runs there is no item, so no mark) and the id of the key page tokens are
 * signed with (a client answered 304 keeps its `nextToken`, which must stay valid: after a rotation
 * the mark changes, and the page is read again with a token of the new key). Two reads, in
 * parallel: a Limit-1 Query and a GetItem, 1 RCU in all.
 *
 * Only a *settled* carrier is a mark: one older than the changes feed's horizon (the write budget
 * plus the index lag, `settleMs`). A write commits within the budget of its id's time and a global
 * index follows within the margin, so every write whose id is not newer than that horizon is in the
 * page read after the mark; any later write has a newer id and changes the mark. Right after a write
 * there is no mark and the list's ETag is its digest alone, as before.
 */
export interface ListMarkContext {
  config: Pick<Config, 'writeRetryBudgetMs'>;
  changes: Pick<ChangeStore, 'newestCarrier'>;
  scenarios: Pick<ScenarioStore, 'get'>;
  pageTokens: Pick<PageTokenCodec, 'signingKeyId'>;
}

export async function listMark(
  ctx: ListMarkContext,
  scenario: string,
  nowMs: number,
): Promise<string | undefined> {
  // No keyring (Secrets Manager unreachable): no mark, and the page answers as it would without.
  let keyId: string;
  try {
    keyId = ctx.pageTokens.signingKeyId();
  } catch {
    return undefined;
  }
  const [newest, record] = await Promise.all([
    ctx.changes.newestCarrier(scenario),
    ctx.scenarios.get(scenario),
  ]);
  if (newest === undefined || record === null) return undefined;
  if (decodeTime(newest.slice(0, 26)) >= nowMs - settleMs(ctx.config)) return undefined;
  return `${newest}~${record.scenario.version}~${keyId}`;
}
