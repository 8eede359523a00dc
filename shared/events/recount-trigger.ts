import { count, logger } from '../observability';

/**
 * The port a thread write asks for a recount through, after its commit. Requests never fail the
 * write (it has committed): a lost one is caught by the sweep.
 */
export interface RecountTrigger {
  request(scenarios: readonly string[]): Promise<void>;
  /** Run every requested recount now and wait for them (tests; no-op where recounts run elsewhere). */
  flush(): Promise<void>;
}

/**
 * Recount requests in the cloud travel on the project's bus under their own source, so no rule
 * matching the notifications (`scenario-tracker`) ever sees them; a rule sends them through a queue
 * that batches them to the recount function (infra/stack.ts).
 */
export const RECOUNT_SOURCE = 'scenario-tracker.internal';
export const RECOUNT_DETAIL_TYPE = 'ScenarioRecountRequested';

export class BusRecountTrigger implements RecountTrigger {
  private client?: import('@aws-sdk/client-eventbridge').EventBridgeClient;

  constructor(
    private readonly busName: string,
    private readonly region?: string,
  ) {}

  async request(scenarios: readonly string[]): Promise<void> {
    const unique = [...new Set(scenarios)];
    if (unique.length === 0) return;
    try {
      const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
      this.client ??= new EventBridgeClient(this.region ? { region: this.region } : {});
      const time = new Date().toISOString();
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: unique.map((scenario) => ({
            EventBusName: this.busName,
            Source: RECOUNT_SOURCE,
            DetailType: RECOUNT_DETAIL_TYPE,
            Detail: JSON.stringify({ scenario, time }),
          })),
        }),
      );
      if (result.FailedEntryCount)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} recount requests`);
    } catch (error) {
      // The write has committed; the scheduled sweep recounts what this request would have.
      count('RecountRequestFailures');
      logger.warn('recount request failed; the scheduled sweep will recount', {
        scenarios: unique,
        error: String(error),
      });
    }
  }

  async flush(): Promise<void> {}
}
