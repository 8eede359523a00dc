/**
 * One error class per failure, each with the stable `code` of the contract's problem table.
 * Handlers throw them; the HTTP layer turns them into RFC 9457 problem details.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

export abstract class TrackerError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
  readonly errors?: FieldProblem[];
  readonly headers: Record<string, string> = {};

  constructor(detail: string, errors?: FieldProblem[]) {
    super(detail);
    this.name = new.target.name;
    if (errors) this.errors = errors;
  }
}

export class ValidationError extends TrackerError {
  readonly status = 400;
  readonly code = 'validation_error';
  readonly title = 'The request is not valid';
  constructor(detail: string, errors: FieldProblem[] = []) {
    super(detail, errors);
  }
  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message }]);
  }
}

export class UnauthorizedError extends TrackerError {
  readonly status = 401;
  readonly code = 'unauthorized';
  readonly title = 'Authentication required';
  override readonly headers = { 'WWW-Authenticate': 'Bearer' };
}

export class ForbiddenError extends TrackerError {
  readonly status = 403;
  readonly code = 'forbidden';
  readonly title = 'Not allowed for this token';
}

/** Publishing a draft takes a second editor (contract 1.2 "Drafts"), unless the token may self-publish. */
export class SameEditorError extends TrackerError {
  readonly status = 403;
  readonly code = 'same_editor';
  readonly title = 'A draft is published by another editor';
}

export class NotFoundError extends TrackerError {
  readonly status = 404;
  readonly code = 'not_found';
  readonly title = 'Not found';
}

export class NoStatusAtTimeError extends TrackerError {
  readonly status = 404;
  readonly code = 'no_status_at_time';
  readonly title = 'No status at that time';
}

export class MethodNotAllowedError extends TrackerError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  readonly title = 'Method not allowed';
  constructor(detail: string, allowed: string[]) {
    super(detail);
    this.headers.Allow = allowed.join(', ');
  }
}

export class ThreadExistsError extends TrackerError {
  readonly status = 409;
  readonly code = 'thread_exists';
  readonly title = 'Thread already exists';
}

export class ScenarioExistsError extends TrackerError {
  readonly status = 409;
  readonly code = 'scenario_exists';
  readonly title = 'Scenario already exists';
}

export class TokenExistsError extends TrackerError {
  readonly status = 409;
  readonly code = 'token_exists';
  readonly title = 'Token name already taken';
}

export class KindConflictError extends TrackerError {
  readonly status = 409;
  readonly code = 'kind_conflict';
  readonly title = 'The kind cannot be changed that way';
}

export class AlreadyRetractedError extends TrackerError {
  readonly status = 409;
  readonly code = 'already_retracted';
  readonly title = 'Update already retracted';
}

/** Publish or discard of something that is not (or no longer) a draft. */
export class NotADraftError extends TrackerError {
  readonly status = 409;
  readonly code = 'not_a_draft';
  readonly title = 'Not a draft';
}

export class CannotRetractLastStatusError extends TrackerError {
  readonly status = 409;
  readonly code = 'cannot_retract_last_status';
  readonly title = 'Cannot retract the last status';
}

export class IdempotencyInProgressError extends TrackerError {
  readonly status = 409;
  readonly code = 'idempotency_in_progress';
  readonly title = 'A request with this idempotency key is still running';
}

export class PreconditionFailedError extends TrackerError {
  readonly status = 412;
  readonly code = 'precondition_failed';
  readonly title = 'Precondition failed';
}

export class PayloadTooLargeError extends TrackerError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends TrackerError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  readonly title = 'Unsupported media type';
}

export class InvalidStatusError extends TrackerError {
  readonly status = 422;
  readonly code = 'invalid_status';
  readonly title = 'Status not valid for this kind';
}

export class InvalidSubscriptionUrlError extends TrackerError {
  readonly status = 422;
  readonly code = 'invalid_subscription_url';
  readonly title = 'Subscription URL not allowed';
  constructor(detail: string) {
    super(detail, [{ path: 'url', message: detail }]);
  }
}

/** Contract 1.2: a source URL outside the outbound-address rules (the same as subscription URLs'). */
export class InvalidSourceUrlError extends TrackerError {
  readonly status = 422;
  readonly code = 'invalid_source_url';
  readonly title = 'Source URL not allowed';
  constructor(detail: string) {
    super(detail, [{ path: 'url', message: detail }]);
  }
}

/** Contract 1.2: a source fetched again within a minute; Retry-After says when it may be. */
export class TooManyRequestsError extends TrackerError {
  readonly status = 429;
  readonly code = 'too_many_requests';
  readonly title = 'Too many requests';
  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

/** A parent that is not allowed (missing, itself a child, another scenario, the thread itself), or a move that parentage forbids. */
export class InvalidParentError extends TrackerError {
  readonly status = 422;
  readonly code = 'invalid_parent';
  readonly title = 'Parent not allowed';
}

export class IdempotencyKeyMismatchError extends TrackerError {
  readonly status = 422;
  readonly code = 'idempotency_key_mismatch';
  readonly title = 'Idempotency key reused with a different request';
}

export class UnavailableError extends TrackerError {
  readonly status = 503;
  readonly code = 'unavailable';
  readonly title = 'Service unavailable';
  constructor(detail: string, retryAfterSeconds = 1) {
    super(detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

export class InternalError extends TrackerError {
  readonly status = 500;
  readonly code = 'internal';
  readonly title = 'Internal error';
}

/** An export larger than one Lambda response can carry through API Gateway (docs/architecture.md, "Exports"). */
export class ExportTooLargeError extends TrackerError {
  readonly status = 413;
  readonly code = 'export_too_large';
  readonly title = 'Export too large';
}

/** Contract 1.2: an inbox item is accepted or dismissed once. */
export class AlreadyDecidedError extends TrackerError {
  readonly status = 409;
  readonly code = 'already_decided';
  readonly title = 'Inbox item already decided';
}

/** oEmbed's XML format (contract 1.2): JSON is the one format served. */
export class NotImplementedError extends TrackerError {
  readonly status = 501;
  readonly code = 'not_implemented';
  readonly title = 'Not implemented';
}
