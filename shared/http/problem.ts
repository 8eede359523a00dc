import { InternalError, TrackerError, UnavailableError } from '../domain/errors';
import { BASE_HEADERS, PROBLEM_TYPE, type HttpResult } from './response';

/** RFC 9457 problem details. `type` is a stable URI per code; the body never carries a stack. */
export const problemType = (code: string) =>
  `https://scenario-tracker.dev/problems/${code.replace(/_/g, '-')}`;

export function problem(error: TrackerError): HttpResult {
  const body = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
  return {
    statusCode: error.status,
    headers: { ...BASE_HEADERS, 'Content-Type': PROBLEM_TYPE, ...error.headers },
    body: JSON.stringify(body),
  };
}

/** DynamoDB's answers that mean "not now": the client should come back shortly, not give up. */
const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
]);

/**
 * The database did not answer: the SDK's own timeouts (connection, request, idle socket; all named
 * TimeoutError) and the socket errors of a database that is down or went away. A write that failed
 * this way may or may not have landed; an Idempotency-Key makes its retry safe (shared/http/idempotency.ts).
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export const isUnreachable = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'TimeoutError' || UNREACHABLE_CODES.has(String((error as { code?: unknown }).code)));

/**
 * Ours pass through; transient AWS failures (after the SDK's own retries) and a database that does
 * not answer become 503 with Retry-After; anything else is a bare 500 whose detail goes to the log,
 * never to the client.
 */
export const asTrackerError = (error: unknown): TrackerError => {
  if (error instanceof TrackerError) return error;
  if (error instanceof Error && TRANSIENT.has(error.name))
    return new UnavailableError('The database is busy; retry shortly.', 1);
  if (isUnreachable(error))
    return new UnavailableError('The database did not answer in time; retry shortly.', 2);
  return new InternalError('The server could not complete the request.');
};
