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
