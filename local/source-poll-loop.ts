import { pollIfDue, type PollDeps } from '../shared/app/sources';
import { logger } from '../shared/observability';

export interface SourcePollLoop {
  /** Look for due sources now. */
  wake(): void;
  /** Stop looking; polls already running finish. */
  stop(): void;
  /** Resolves when no poll is running and no look is under way (for tests and a clean shutdown). */
  idle(): Promise<void>;
}

export interface SourcePollLoopOptions {
  /** How often due sources are looked for, in ms (SOURCE_POLL_INTERVAL_SECONDS). */
  intervalMs: number;
}

/**
 * The local server's news poller (contract 1.2: "Locally `npm start` polls due sources on its
 * own"), next to the delivery loop and in the same shape: every beat it finds the due sources (the
 * sparse due key, one Query per shard) and starts each poll on its own, never waiting for one: a
 * feed that takes its whole 10 s holds only its own poll, never another's nor the next beat. A
 * source still being polled is not started twice; the minute guard on the source item keeps a
 * second server (or an editor's fetch) from polling it again too.
 */
export function startSourcePollLoop(ctx: PollDeps, options: SourcePollLoopOptions): SourcePollLoop {
  const running = new Map<string, Promise<unknown>>();
  let looking: Promise<void> | undefined;
  let stopped = false;

  const look = async (): Promise<void> => {
    try {
      for (const id of await ctx.sources.due(Date.now())) {
        if (stopped || running.has(id)) continue;
        const poll = pollIfDue(ctx, id, Date.now())
          .catch((error) =>
            logger.warn('source poll failed; due again at its next fetch time', {
              source: id,
              error: String(error),
            }),
          )
          .finally(() => running.delete(id));
        running.set(id, poll);
      }
    } catch (error) {
      logger.warn('looking for due sources failed; the next beat tries again', { error: String(error) });
    }
  };
  const beat = () => {
    if (stopped || looking) return;
    looking = look().finally(() => (looking = undefined));
  };

  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  beat();
  return {
    wake: beat,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    idle: async () => {
      while (looking || running.size > 0) await Promise.all([looking, ...running.values()]);
    },
  };
}
