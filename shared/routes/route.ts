import type * as z from 'zod/mini';
import type { Schema } from '../domain/schemas';
import type { Role } from '../domain/types';

/**
 * What a route is and what is derived from a route table, whichever table: the whole one
 * (shared/routes.ts) or one function group's (shared/routes/<group>.ts), which is all a function
 * bundles. Nothing here holds a route.
 */

/** The function groups: each is one Lambda function (its routes: shared/routes/<group>.ts). */
export type FunctionGroup =
  | 'health'
  | 'threads-read'
  | 'threads-write'
  | 'tokens'
  | 'kinds'
  | 'subscriptions'
  | 'feeds'
  | 'inbox'
  | 'scenario-import';

/**
 * A path parameter's shape. An id that cannot exist is simply not found (`notFound`: the 404's
 * detail): answering before any database call keeps junk paths cheap and gives nothing away. A
 * name the request defines (a kind) is the request's mistake: 400 with `message`, and its pattern
 * is part of the contract (the OpenAPI document states it).
 */
export type PathParam = { readonly pattern: RegExp } & (
  | { readonly notFound: (value: string, params: Readonly<Record<string, string>>) => string }
  | { readonly message: string }
);

/**
 * A response body: a schema of shared/domain/schemas.ts (a named component of the OpenAPI
 * document), or JSON Schema built around such schemas (`ref` turns one into its reference).
 */
export type ResponseBody = Schema | ((ref: (s: Schema) => object) => object);

export interface Success {
  description: string;
  body?: ResponseBody;
  /** The Location header's template, when the answer carries one. */
  location?: string;
}

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  group: FunctionGroup;
  /** The least role that may call it; null for open routes. */
  role: Role | null;
  operationId: string;
  summary: string;
  /** Said in the OpenAPI document after what is derived (role, Basic, HEAD). */
  description?: string;
  /** Feed readers rarely send bearer tokens: these routes also take HTTP Basic with the token as the password. */
  basicAuth?: boolean;
  /** Every `{name}` of the path, checked in path order before the query and the body. */
  params?: Readonly<Record<string, PathParam>>;
  /** The query string's (strict) schema, and what the document says of each parameter; none: the query is ignored. */
  query?: { readonly schema: Schema; readonly describe?: Readonly<Record<string, string>> };
  /** The JSON body's schema and what problem details call it (`The thread is not valid: …`). */
  body?: { readonly schema: Schema; readonly label: string };
  /** Each success status and what it answers. */
  responses: Readonly<Record<number, Success>>;
  /** Problem codes this route adds to the common ones, by status. */
  problems?: Readonly<Record<number, string>>;
  /** `read`: an ETag on success, If-None-Match and 304; `write`: an ETag on success. */
  etag?: 'read' | 'write';
  /** Takes If-Match (412 otherwise); a string is its own description of it. */
  ifMatch?: true | string;
  /** Honours Idempotency-Key. */
  idempotencyKey?: boolean;
  /** Answers Atom XML, not JSON. */
  atom?: boolean;
  /** Answers text of these media types, not JSON (exports, iCalendar). */
  produces?: readonly string[];
  /** Answers this media type (a text document), not JSON. */
  mediaType?: string;
  /**
   * A public route (contract 1.2): `Cache-Control: public` on its 200, 304 and 404 (shared/domain/
   * public-cache.ts), CORS `*`, and served through the CDN's cache (infra/constructs/edge.ts).
   */
  publicCache?: true;
  /** Answers pages of these items with `nextToken` (the page-token key is needed). */
  page?: Schema;
  /**
   * Takes a body that is not JSON (an archive's NDJSON), up to `maxBytes`: the handler reads and
   * checks it (shared/http/request.ts#readTextBody); the local gateway reads that much of it.
   */
  textBody?: { readonly mediaType: string; readonly maxBytes: number; readonly description: string };
}

/** A route as declared: `route` is its key, `METHOD /path`, as the handler maps and API Gateway spell it. */
export interface DeclaredRoute extends Omit<Route, 'method' | 'path'> {
  route: `${Route['method']} /${string}`;
}

/** `METHOD /path` of each route in a union of declared routes. */
export type KeyOf<R> = R extends { route: infer K extends string } ? K : never;

type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}`
  ? N | ParamNames<Rest>
  : never;

/** A route's path parameters, by the names in its path (checked by the dispatcher). */
export type ParamsOf<R> = R extends { route: infer P extends string }
  ? Readonly<Record<ParamNames<P>, string>>
  : never;
/** A route's query as its schema parses it; the raw parameters when it declares none. */
export type QueryOf<R> = R extends { query: { schema: infer S extends Schema } }
  ? z.output<S>
  : Readonly<Record<string, string>>;
/** A route's body as its schema parses it; none when it declares none. */
export type BodyOf<R> = R extends { body: { schema: infer S extends Schema } } ? z.output<S> : undefined;

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every route served: the declared ones, each GET followed by its HEAD twin. HEAD is GET without
 * the body (RFC 9110 §9.3.2; uptime monitors send `HEAD /health`), and API Gateway routes HEAD only
 * to an explicit `HEAD /path` route. Derived here, once, so the stack, the local server, the Lambda
 * dispatcher and the OpenAPI document all see the same HEAD routes.
 */
export const withHeadTwins = (declared: readonly DeclaredRoute[]): readonly Route[] =>
  declared.flatMap(({ route: key, ...rest }): Route[] => {
    const [method, path] = key.split(' ') as [Route['method'], string];
    const route: Route = { method, path, ...rest };
    return method === 'GET'
      ? [
          route,
          {
            ...route,
            method: 'HEAD',
            operationId: `head${capitalised(route.operationId)}`,
            summary: `${route.summary} (headers only)`,
          },
        ]
      : [route];
  });

export const routeKey = (r: Pick<Route, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** The route a request runs: a HEAD route runs its GET twin's handler (the dispatcher drops the body). */
export const handlerKey = (r: Pick<Route, 'method' | 'path'>): string =>
  routeKey({ method: r.method === 'HEAD' ? 'GET' : r.method, path: r.path });

/**
 * Every distinct path, for the cloud's `ANY <path>` catch-all routes: API Gateway prefers the
 * method-specific routes, so these only see methods a path does not allow and answer 405 (as the
 * local server does), where API Gateway alone would answer 404.
 */
export const pathsOf = (routes: readonly Route[]): readonly string[] => [
  ...new Set(routes.map((r) => r.path)),
];

export const allowedMethods = (path: string, routes: readonly Route[]): string[] =>
  routes.filter((r) => r.path === path).map((r) => r.method);
