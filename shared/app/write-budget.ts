import { UnavailableError } from '../domain/errors';
import { dynamoCallBoundMs, type Config } from '../config';

/**
 * When a request must be answered by. The budget runs from the request's arrival (API Gateway's
 * `requestContext.timeEpoch`), not from the write's start: the authorizer, the token check and the
 * idempotency claim have already spent part of it. `notAfter` is when the function itself would be
 * stopped (its remaining time), whichever comes first.
 */
export interface RequestClock {
  /** Epoch ms the request arrived at. */
  arrivedAt: number;
  /** Epoch ms by which the function must have answered (its timeout, less a margin to answer in). */
  notAfter?: number;
}

/**
 * The one rule every thread write retries by (created or changed): at most `writeMaxAttempts`
 * attempts (commits, and conflicts that said nothing about the thread), within `writeRetryBudgetMs`
 * of the request's arrival, with full-jitter exponential back-off between transient conflicts. A
 * DynamoDB call is started only when it can end within the budget even at its slowest (every SDK
 * attempt timing out: dynamoCallBoundMs), so the answer — the write's, or a 503 with Retry-After —
 * is never later than the budget, however long the request queued before the write or behind others.
 */
export class WriteBudget {
  /** Attempts spent so far. */
  attempts = 0;
  readonly started = Date.now();
  /** Epoch ms by which the write must be answered. */
  readonly deadline: number;
  /** How long one DynamoDB call may take at worst: never started with less than this left. */
  private readonly reserveMs: number;

  constructor(
    private readonly config: Pick<
      Config,
      | 'writeMaxAttempts'
      | 'writeRetryBudgetMs'
      | 'writeBackoffCapMs'
      | 'dynamodbTimeoutMs'
      | 'dynamodbMaxAttempts'
    >,
    private readonly spentMessage: string,
    clock: RequestClock = { arrivedAt: Date.now() },
  ) {
    this.deadline = Math.min(clock.arrivedAt + config.writeRetryBudgetMs, clock.notAfter ?? Infinity);
    // With settings whose call bound exceeds half the budget (DYNAMODB_TIMEOUT_MS raised for a
    // migration) the bound cannot be kept anyway; half the budget still leaves writes room to start.
    this.reserveMs = Math.min(dynamoCallBoundMs(config), config.writeRetryBudgetMs / 2);
  }

  /** Count one attempt. */
  spend(): void {
    this.attempts++;
  }

  /** Give up (503) once the attempts are spent, or when too little time is left for another DynamoDB call. */
  giveUpIfSpent(): void {
    if (this.attempts >= this.config.writeMaxAttempts || Date.now() + this.reserveMs > this.deadline)
      throw new UnavailableError(this.spentMessage, 1);
  }

  /** Give up (503) when too little time is left to start a commit (the attempts are counted apart). */
  giveUpIfLate(): void {
    if (Date.now() + this.reserveMs > this.deadline) throw new UnavailableError(this.spentMessage, 1);
  }

  /** Full-jitter exponential back-off, capped: spreads racing writers out instead of lock-stepping them. */
  backoff(): Promise<void> {
    const ms = Math.random() * Math.min(this.config.writeBackoffCapMs, 5 * 2 ** this.attempts);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
