/* global process, console */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The rooms of the code and which rooms each may import: layers point one way,
 * domain ← store / events ← app ← http ← functions and local (docs/architecture.md, "Rooms").
 * `rooms/direction` (eslint.config.mjs) enforces this table; `npm run rooms` prints the
 * imports that actually cross rooms, to keep the table in docs/architecture.md true.
 *
 * `config` and `observability` (settings and Powertools) are the base every room but the domain
 * may use; `routes` (the route table) and `openapi` sit beside the http room.
 */
const BASE = ['config', 'observability'];
const SHARED = ['domain', 'store', 'events', 'app', 'http', 'routes', 'openapi', ...BASE];

export const ROOMS = [
  { room: 'domain', path: 'shared/domain/', mayImport: [] },
  // Settings are zod schemas too: config takes zod's global settings (domain/zod-setup) first.
  { room: 'config', path: 'shared/config', mayImport: ['domain'] },
  { room: 'observability', path: 'shared/observability', mayImport: [] },
  { room: 'store', path: 'shared/store/', mayImport: ['domain', ...BASE] },
  { room: 'events', path: 'shared/events/', mayImport: ['domain', ...BASE] },
  { room: 'app', path: 'shared/app/', mayImport: ['domain', 'store', 'events', ...BASE] },
  { room: 'routes', path: 'shared/routes', mayImport: ['domain'] },
  { room: 'openapi', path: 'shared/openapi', mayImport: ['domain', 'routes'] },
  { room: 'http', path: 'shared/http/', mayImport: ['domain', 'store', 'events', 'app', 'routes', ...BASE] },
  { room: 'functions', path: 'functions/', mayImport: [...SHARED, 'docs'] },
  // Cloud mode runs the synthesized stack: it reads the CDK app (infra) and reuses the local
  // server's request plumbing; nothing imports it but the local server's `--cloud` start and tests.
  { room: 'cloud', path: 'local/cloud/', mayImport: [...SHARED, 'local', 'infra'] },
  { room: 'local', path: 'local/', mayImport: [...SHARED, 'functions', 'docs', 'cloud'] },
  // The stack reads the route table, settings and table layout; it bundles functions by path, never imports them.
  { room: 'infra', path: 'infra/', mayImport: ['domain', 'store', 'events', 'http', 'routes', ...BASE] },
  // Generated (npm run openapi): served by the functions and the local server.
  { room: 'docs', path: 'docs/', mayImport: [] },
  // Tests and benchmarks may reach into every room; no room may reach into them.
  { room: 'test', path: 'test/', mayImport: '*' },
  { room: 'bench', path: 'bench/', mayImport: '*' },
];

/** Packages a room must not use, whoever imports it: the domain is pure (no AWS SDK, no HTTP, no Lambda). */
const FORBIDDEN_PACKAGES = {
  domain: [
    /^@aws-sdk\//,
    /^@smithy\//,
    /^@aws-lambda-powertools\//,
    /^aws-lambda$/,
    /^aws-cdk-lib/,
    /^constructs$/,
    /^node:(http|https|net|dns)$/,
  ],
  store: [/^aws-lambda$/, /^aws-cdk-lib/, /^constructs$/],
  events: [/^aws-lambda$/, /^aws-cdk-lib/, /^constructs$/],
  app: [/^@aws-sdk\//, /^aws-lambda$/, /^aws-cdk-lib/, /^constructs$/],
  http: [/^aws-cdk-lib/, /^constructs$/],
  functions: [/^aws-cdk-lib/, /^constructs$/],
};

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * The room of a path relative to the repository root (forward slashes), or undefined. A path without
 * a trailing slash is a module and the folder of the same name (shared/routes.ts composes the
 * modules of shared/routes/).
 */
export const roomOf = (relative) => {
  const bare = relative.replace(/\.(ts|mjs|js)$/, '');
  return ROOMS.find((r) =>
    r.path.endsWith('/') ? relative.startsWith(r.path) : bare === r.path || relative.startsWith(`${r.path}/`),
  )?.room;
};

const rel = (absolute) => path.relative(ROOT, absolute).split(path.sep).join('/');

/** Whether `from` may import `to` (rooms); an import within a room always may. */
export const mayImport = (from, to) => {
  if (from === to) return true;
  const rule = ROOMS.find((r) => r.room === from)?.mayImport;
  return rule === '*' || (rule ?? []).includes(to);
};

/** The room an import specifier in `file` (absolute) points into, or a package name. */
export const targetOf = (file, specifier) =>
  specifier.startsWith('.')
    ? { room: roomOf(rel(path.resolve(path.dirname(file), specifier))) ?? 'outside', specifier }
    : { package: specifier };

const direction = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point one way between rooms (docs/architecture.md, "Rooms").' },
    schema: [],
    messages: {
      room: "The {{from}} room may not import the {{to}} room ('{{specifier}}'): rooms point one way, see docs/architecture.md.",
      package: 'The {{from}} room may not use \'{{specifier}}\' (docs/architecture.md, "Rooms").',
    },
  },
  create(context) {
    const file = context.filename;
    const from = roomOf(rel(file));
    if (!from) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const target = targetOf(file, specifier);
      if (target.package !== undefined) {
        if ((FORBIDDEN_PACKAGES[from] ?? []).some((p) => p.test(target.package)))
          context.report({ node, messageId: 'package', data: { from, specifier } });
      } else if (!mayImport(from, target.room)) {
        context.report({ node, messageId: 'room', data: { from, to: target.room, specifier } });
      }
    };
    const literal = (node) => (node?.type === 'Literal' ? node.value : undefined);
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => check(node.source, literal(node.source)),
      // `import('…').Type` in a type position.
      TSImportType: (node) => {
        const source = node.source ?? node.argument;
        check(node, literal(source?.literal ?? source));
      },
    };
  },
};

export const roomsPlugin = { rules: { direction } };

/** `node eslint.rooms.mjs`: every import that crosses rooms, counted, for the table in docs/architecture.md. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (name === 'node_modules' || name === 'public') return [];
      return statSync(full).isDirectory() ? walk(full) : /\.(ts|mjs)$/.test(name) ? [full] : [];
    });
  const seen = new Map();
  for (const dir of ['shared', 'functions', 'local', 'infra']) {
    for (const file of walk(path.join(ROOT, dir))) {
      const from = roomOf(rel(file));
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
        const target = targetOf(file, specifier);
        const to =
          target.room ??
          `pkg:${target.package
            .split('/')
            .slice(0, target.package.startsWith('@') ? 2 : 1)
            .join('/')}`;
        if (to === from) continue;
        const key = `${from} → ${to}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  }
  let bad = 0;
  for (const key of [...seen.keys()].sort()) {
    const [from, to] = key.split(' → ');
    const ok = to.startsWith('pkg:') || mayImport(from, to);
    if (!ok) bad++;
    if (!to.startsWith('pkg:') || process.argv.includes('--packages'))
      console.log(`${ok ? ' ' : '✗'} ${key} (${seen.get(key)})`);
  }
  process.exitCode = bad ? 1 : 0;
}
