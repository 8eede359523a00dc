import { UnavailableError } from '../domain/errors';
import { describeError, logger } from '../observability';
import { probeTable } from '../store/readiness';
import type { AppContext } from './context';

/**
 * Readiness (GET /ready): whether this process can serve, which means its database answers. One
 * cheap read, bounded by one attempt's timeout (DYNAMODB_TIMEOUT_MS, 1.5 s by default), so a stalled
 * database gives 503 within that time rather than after the 4 s a request would wait. Liveness
 * (GET /health) stays what it was: the process answers, nothing more (docs/deploy.md says which a
 * load balancer uses).
 */
export async function checkReady(ctx: Pick<AppContext, 'db' | 'config'>): Promise<{ status: 'ready' }> {
  try {
    await probeTable(ctx.db, ctx.config.tableName, ctx.config.dynamodbTimeoutMs);
  } catch (error) {
    logger.warn('not ready: the database did not answer', { error: describeError(error) });
    throw new UnavailableError('The database did not answer in time; not ready.', 2);
  }
  return { status: 'ready' };
}
