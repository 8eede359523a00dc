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

/**
 * The public routes' policy (contract 1.2, "Public scenarios and embeds": CORS `*`), whatever
 * TRACKER_CORS_ORIGINS lists: what the CDN's response headers policy answers in the cloud
 * (infra/constructs/edge.ts, `PublicCors`) and the local server answers on a laptop. No credentials:
 * a public route reads no token.
 */
export const PUBLIC_CORS = {
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  allowHeaders: ['If-None-Match'],
  exposeHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const;
