/**
 * The API's one CORS policy, for the origins in TRACKER_CORS_ORIGINS: the CDK HTTP API's preflight
 * configuration (infra) and the local server (local/server.ts) both read it, so a browser sees the
 * same answer on a laptop as in the cloud. Header names are in their usual spelling; API Gateway
 * takes them lower-cased (they are case-insensitive either way).
 */
export const CORS = {
  /** The methods the routes use (a preflight itself is OPTIONS, which needs no listing). */
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  /** The request headers the contract uses. */
  allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
  /** The response headers a page must be able to read: versions, new resources, replays, back-off, and why a 401. */
  exposeHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After', 'WWW-Authenticate'],
  /** How long a browser may reuse a preflight's answer. */
  maxAgeSeconds: 3600,
} as const;
