import { InternalError, TrackerError } from '../domain/errors';
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

/** Anything that is not one of ours becomes a bare 500: the detail goes to the log, not the client. */
export const asTrackerError = (error: unknown): TrackerError =>
  error instanceof TrackerError ? error : new InternalError('The server could not complete the request.');
