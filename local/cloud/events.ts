import { createHash, randomUUID } from 'node:crypto';
import type { EventEntry } from './aws-endpoint';
import { CLOUD_ACCOUNT, CLOUD_REGION } from './intrinsics';
import type { Lambdas } from './lambdas';
import type { CloudModel, EventRule, QueueSpec } from './model';

/**
 * EventBridge, SQS event sources and Lambda's asynchronous invocations, as the template wires them:
 * PutEvents matches each rule's pattern on its bus and delivers to the rule's targets (a queue, or a
 * function invoked asynchronously with the function's retries and failure destination); each
 * queue's event source mapping invokes its function in batches (batch size, batching window,
 * partial batch failures, redrive to the dead-letter queue after maxReceiveCount). Schedules run
 * when asked (`runSchedule`), or on their rate when `startSchedules` is called (`npm start -- --cloud`).
 */

export interface SqsMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
}

/** A pattern field matches when the value is one of its allowed values (EventBridge's content filters, the subset used). */
export function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((p) => {
      if (p && typeof p === 'object') {
        const f = p as Record<string, unknown>;
        if ('prefix' in f) return values.some((v) => typeof v === 'string' && v.startsWith(String(f.prefix)));
        if ('exists' in f) return (value !== undefined) === Boolean(f.exists);
        if ('anything-but' in f) {
          const but = Array.isArray(f['anything-but'])
            ? (f['anything-but'] as unknown[])
            : [f['anything-but']];
          return values.every((v) => !but.includes(v));
        }
        throw new Error(`event pattern filter ${JSON.stringify(p)} is not emulated`);
      }
      return values.includes(p);
    });
  }
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object') return false;
    return Object.entries(pattern as Record<string, unknown>).every(([k, p]) =>
      matches(p, (value as Record<string, unknown>)[k]),
    );
  }
  throw new Error(`event pattern ${JSON.stringify(pattern)} is not emulated`);
}

export class EventRouter {
  private readonly queues = new Map<
    string,
    { spec: QueueSpec; messages: SqsMessage[]; running: number; timer?: NodeJS.Timeout; timerAt?: number }
  >();
  /** What reached a dead-letter queue or failure destination, by its ARN. */
  readonly deadLetters = new Map<string, unknown[]>();
  /** Failures of asynchronous invocations and batches (also logged). */
  readonly failures: { function: string; error: string }[] = [];
  private readonly busy = new Set<Promise<unknown>>();
  private schedules: NodeJS.Timeout[] = [];
  private flushing = false;
  private closed = false;

  constructor(
    private readonly model: CloudModel,
    private readonly lambdas: Lambdas,
    private readonly log: (line: string) => void,
  ) {
    for (const spec of Object.values(model.queues))
      this.queues.set(spec.arn, { spec, messages: [], running: 0 });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.busy.add(p);
    p.finally(() => this.busy.delete(p)).catch(() => undefined);
    return p;
  }

  /** What PutEvents accepted: each entry to every matching rule's targets. */
  putEvents(entries: EventEntry[]): void {
    for (const entry of entries) {
      const busName = (entry.EventBusName ?? 'default').split('/').pop();
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: CLOUD_ACCOUNT,
        time: new Date(entry.Time ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: CLOUD_REGION,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail),
      };
      for (const rule of this.model.rules)
        if (rule.pattern && rule.busName === busName && matches(rule.pattern, event))
          this.deliver(rule, event);
    }
  }

  private deliver(rule: EventRule, event: unknown): void {
    for (const target of rule.targets) {
      if (this.queues.has(target.arn)) this.send(target.arn, JSON.stringify(event));
      else if (this.model.functionByArn[target.arn])
        this.invokeAsync(this.model.functionByArn[target.arn]!, event);
      else throw new Error(`rule ${rule.logicalId}: target ${target.arn} is not emulated`);
    }
  }

  /** Lambda's asynchronous invocation: the function's retries, then its failure destination. */
  invokeAsync(fn: string, event: unknown): Promise<void> {
    const spec = this.model.functions[fn]!;
    const run = async () => {
      let last: unknown;
      for (let attempt = 0; attempt <= spec.asyncRetries; attempt++) {
        try {
          await this.lambdas.invoke(fn, event);
          return;
        } catch (error) {
          last = error;
        }
      }
      this.failures.push({ function: fn, error: String(last) });
      this.log(`${fn}: asynchronous invocation failed after ${spec.asyncRetries} retries: ${String(last)}`);
      if (spec.onFailure) this.deadLetter(spec.onFailure, { requestPayload: event, error: String(last) });
    };
    return this.track(run());
  }

  /** Keep what a queue redrove or a failure destination received (by its ARN). */
  deadLetter(arn: string, value: unknown): void {
    this.deadLetters.set(arn, [...(this.deadLetters.get(arn) ?? []), value]);
  }

  /** SendMessage, as EventBridge does for a queue target. */
  send(queueArn: string, body: string): void {
    const q = this.queues.get(queueArn)!;
    const now = Date.now();
    q.messages.push({
      messageId: randomUUID(),
      body,
      receiveCount: 0,
      sentAt: now,
      visibleAt: now + q.spec.delaySeconds * 1000,
    });
    this.poll(queueArn);
  }

  /** The event source mapping: a batch when the window has passed (or at once while flushing). */
  private poll(queueArn: string): void {
    const q = this.queues.get(queueArn)!;
    const consumer = q.spec.consumer;
    if (!consumer || q.timer || this.closed) return;
    const now = Date.now();
    const visible = q.messages.filter((m) => m.visibleAt <= now);
    if (visible.length === 0) {
      const next = Math.min(...q.messages.map((m) => m.visibleAt));
      if (Number.isFinite(next) && !this.flushing) {
        q.timerAt = next;
        q.timer = setTimeout(() => {
          q.timer = undefined;
          this.poll(queueArn);
        }, next - now);
      }
      return;
    }
    const wait = this.flushing || visible.length >= consumer.batchSize ? 0 : consumer.windowSeconds * 1000;
    q.timerAt = now + wait;
    q.timer = setTimeout(() => {
      q.timer = undefined;
      this.track(this.runBatch(q));
    }, wait);
  }

  private async runBatch(q: { spec: QueueSpec; messages: SqsMessage[]; running: number }): Promise<void> {
    const consumer = q.spec.consumer!;
    if (consumer.maxConcurrency && q.running >= consumer.maxConcurrency) return;
    const now = Date.now();
    const batch = q.messages.filter((m) => m.visibleAt <= now).slice(0, consumer.batchSize);
    if (batch.length === 0) return;
    for (const m of batch) {
      m.receiveCount++;
      m.visibleAt = now + q.spec.visibilityTimeoutSeconds * 1000;
    }
    q.running++;
    const event = {
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: createHash('sha256')
          .update(m.messageId + m.receiveCount)
          .digest('hex'),
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: q.spec.arn,
        awsRegion: CLOUD_REGION,
      })),
    };
    let failed: Set<string>;
    try {
      const result = (await this.lambdas.invoke(consumer.function, event)) as {
        batchItemFailures?: { itemIdentifier: string }[];
      } | null;
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      this.failures.push({ function: consumer.function, error: String(error) });
      this.log(`${consumer.function}: batch from ${q.spec.logicalId} failed: ${String(error)}`);
      failed = new Set(batch.map((m) => m.messageId));
    } finally {
      q.running--;
    }
    // Deleted on success; a failed message comes back after its visibility timeout, until redrive.
    q.messages = q.messages.filter((m) => !batch.includes(m) || failed.has(m.messageId));
    for (const m of batch.filter((b) => failed.has(b.messageId))) {
      if (q.spec.maxReceiveCount && m.receiveCount >= q.spec.maxReceiveCount && q.spec.deadLetterArn) {
        q.messages = q.messages.filter((x) => x !== m);
        this.deadLetter(q.spec.deadLetterArn, m.body);
      }
    }
    this.poll(q.spec.arn);
  }

  /** Runs a scheduled rule's targets now, with EventBridge's scheduled event. */
  async runSchedule(rule: EventRule): Promise<void> {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: CLOUD_ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: CLOUD_REGION,
      resources: [`arn:aws:events:${CLOUD_REGION}:${CLOUD_ACCOUNT}:rule/${rule.logicalId}`],
      detail: {},
    };
    await Promise.all(
      rule.targets.map((t) => {
        const fn = this.model.functionByArn[t.arn];
        if (!fn) throw new Error(`schedule ${rule.logicalId}: target ${t.arn} is not emulated`);
        return this.invokeAsync(fn, event);
      }),
    );
  }

  startSchedules(): void {
    for (const rule of this.model.rules)
      if (rule.scheduleSeconds)
        this.schedules.push(
          setInterval(() => void this.runSchedule(rule).catch(() => undefined), rule.scheduleSeconds * 1000),
        );
  }

  /**
   * Waits until nothing is left to do now: no queued message visible (batching windows and delays
   * skipped), no asynchronous invocation running. What tests await instead of sleeping.
   */
  async settle(): Promise<void> {
    this.flushing = true;
    try {
      for (let round = 0; round < 1000; round++) {
        for (const [arn, q] of this.queues) {
          for (const m of q.messages)
            if (m.receiveCount === 0) m.visibleAt = Math.min(m.visibleAt, Date.now());
          // A batching window or a delay still running: cut it short.
          if (q.timer && (q.timerAt ?? 0) > Date.now()) {
            clearTimeout(q.timer);
            q.timer = undefined;
          }
          this.poll(arn);
        }
        await new Promise((r) => setImmediate(r));
        if (
          this.busy.size === 0 &&
          ![...this.queues.values()].some(
            (q) => q.timer || (q.spec.consumer && q.messages.some((m) => m.visibleAt <= Date.now())),
          )
        )
          return;
        await Promise.race([...this.busy, new Promise((r) => setTimeout(r, 20))]);
      }
      throw new Error('cloud mode did not settle');
    } finally {
      this.flushing = false;
    }
  }

  close(): void {
    // A batch still finishing must not schedule the next one (a failed message's visibility timer
    // would keep the process alive for minutes).
    this.closed = true;
    for (const t of this.schedules) clearInterval(t);
    for (const q of this.queues.values()) if (q.timer) clearTimeout(q.timer);
  }
}
