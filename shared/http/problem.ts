import { InternalError, TrackerError, UnavailableError } from '../domain/errors';
import { BASE_HEADERS, PROBLEM_TYPE, type HttpResult } from './response';

/** RFC 9457 problem details. `type` is a stable URI per code; the body never carries a stack. */
export const problemType = (code: string) => `https://scenario-tracker.dev/problems/${code.replace(/_/g, '-')}`;

export function problem(error: TrackerError): HttpResult {
  const body = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
  return { statusCode: error.status, headers: { ...BASE_HEADERS, 'Content-Type': PROBLEM_TYPE, ...error.headers }, body: JSON.stringify(body) };
}

/** DynamoDB's answers that mean "not now": the client should come back shortly, not give up. */
const TRANSIENT = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError', 'ServiceUnavailable', 'TransactionInProgressException']);

/**
 * Ours pass through; transient AWS failures (after the SDK's own retries) become 503 with
 * Retry-After; anything else is a bare 500 whose detail goes to the log, never to the client.
 */
export const asTrackerError = (error: unknown): TrackerError => {
  if (error instanceof TrackerError) return error;
  if (error instanceof Error && TRANSIENT.has(error.name)) return new UnavailableError('The database is busy; retry shortly.', 1);
  return new InternalError('The server could not complete the request.');
};
