/**
 * The origin header: the edge (CloudFront, infra/constructs/edge.ts) adds it to every request it
 * sends to the HTTP API, with a value from Secrets Manager that no client knows, and the API refuses
 * a request without it (docs/security.md, "The edge"). A client that calls the execute-api URL
 * directly, around the edge's per-address limits, has no value to send.
 *
 * The name is no secret; the value is. A viewer that sends this header to the edge gains nothing:
 * CloudFront sets its own value over a viewer's header of the same name. The authorizer checks the
 * value (functions/authorizer.ts, shared/store/origin-secret.ts).
 */
export const ORIGIN_HEADER = 'X-Origin-Verify';
