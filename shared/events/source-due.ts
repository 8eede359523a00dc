/**
 * Due news sources (contract 1.2) in the cloud: the schedule function puts one event per due source
 * on the project's bus under a source of its own — so no rule matching the notifications
 * (`scenario-tracker`) or the recount requests ever sees them, and the archive keeps none — and a
 * rule turns each into one message of the source-poll queue, which the poller consumes one at a
 * time (infra/constructs/source-polling.ts). One message per source: a slow feed holds only its own.
 */
export const SOURCE_DUE_SOURCE = 'scenario-tracker.sources';
export const SOURCE_DUE_DETAIL_TYPE = 'SourceDue';

/** The port the schedule hands due sources to. */
export interface SourceDispatch {
  dispatch(sourceIds: readonly string[]): Promise<void>;
}
