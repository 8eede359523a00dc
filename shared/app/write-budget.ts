import { UnavailableError } from '../domain/errors';
import type { Config } from '../config';

/**
 * The one rule every thread write retries by (created or changed): at most `writeMaxAttempts`
 * attempts (commits, and conflicts that said nothing about the thread), within `writeRetryBudgetMs`
 * of the write's start, with full-jitter exponential back-off between transient conflicts. Past
 * either bound the write gives up with a 503 and Retry-After, rather than hold a Lambda and its
 * caller for longer than a client would wait.
 */
export class WriteBudget {
  /** Attempts spent so far. */
  attempts = 0;
  readonly started = Date.now();
  private readonly deadline: number;

  constructor(
    private readonly config: Pick<Config, 'writeMaxAttempts' | 'writeRetryBudgetMs' | 'writeBackoffCapMs'>,
    private readonly spentMessage: string,
  ) {
    this.deadline = this.started + config.writeRetryBudgetMs;
  }

  /** Count one attempt. */
  spend(): void {
    this.attempts++;
  }

  /** Give up (503) once the attempts or the time are spent. */
  giveUpIfSpent(): void {
    if (this.attempts >= this.config.writeMaxAttempts || Date.now() >= this.deadline)
      throw new UnavailableError(this.spentMessage, 1);
  }

  /** Full-jitter exponential back-off, capped: spreads racing writers out instead of lock-stepping them. */
  backoff(): Promise<void> {
    const ms = Math.random() * Math.min(this.config.writeBackoffCapMs, 5 * 2 ** this.attempts);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
