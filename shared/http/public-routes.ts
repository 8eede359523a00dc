import type { AppContext } from '../app/context';
import {
  getPublicScenario,
  getPublicThread,
  getPublicThreadView,
  keyEventsOf,
  previousStartsOf,
} from '../app/public';
import { NotFoundError, NotImplementedError } from '../domain/errors';
import { SettingError } from '../config';
import { embedScript, liveEmbedConfig } from './embed-script';
import { contentEtag, noneMatchHits } from './etag';
import type { AnyRequest, HandlerMap } from './handler';
import type { THREADS_READ_ROUTES } from '../routes/threads-read';
import { PUBLIC_MAX_AGE_SECONDS } from '../domain/public-cache';
import {
  badgeSvg,
  embedPage,
  iframeHtml,
  publicPage,
  scenarioMarkup,
  threadMarkup,
  type PageThread,
} from './public-pages';
import { header } from './request';
import { BASE_HEADERS, JSON_TYPE, empty, type HttpResult } from './response';

/**
 * The public routes (contract 1.2, "Public scenarios and embeds"), served by threads-read. Every
 * answer carries a strong ETag of its bytes and answers If-None-Match with 304; the dispatcher adds
 * `Cache-Control: public, …` and CORS `*` (the routes' `publicCache`, shared/routes.ts).
 */
export type PublicDeps = Pick<AppContext, 'config' | 'scenarios' | 'threads' | 'publicViews'>;

type PublicKey =
  | 'GET /public/scenarios/{id}'
  | 'GET /public/scenarios/{id}/threads/{threadId}'
  | 'GET /embed/{scenario}'
  | 'GET /embed/{scenario}/{threadId}'
  | 'GET /embed.js'
  | 'GET /oembed'
  | 'GET /badge/{scenario}/{badge}'
  | 'GET /p/{scenario}';

/** A document with an ETag of its bytes, or 304 when the reader (or the CDN) holds them already. */
function document(
  req: AnyRequest,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): HttpResult {
  const tag = contentEtag(body);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag, ...headers });
  return { statusCode: 200, headers: { ...BASE_HEADERS, 'Content-Type': type, ETag: tag, ...headers }, body };
}

const HTML = 'text/html; charset=utf-8';

/**
 * Where readers reach the tracker (TRACKER_PUBLIC_URL; the edge's URL in the cloud): embed links,
 * the oEmbed iframe and the page's canonical URL are absolute. Never the request's Host header: a
 * client picks it, and the CDN would serve the page it poisoned to every reader.
 */
const baseOf = (req: AnyRequest<Pick<PublicDeps, 'config'>>): string => {
  const base = req.ctx.config.publicUrl;
  if (base === undefined)
    throw new SettingError('TRACKER_PUBLIC_URL', 'is not set: embed and page links are built on it.');
  return base;
};

const pageUrl = (base: string, scenario: string) => `${base}/p/${scenario}`;

/** The iframe's default size, and its height for one thread (oEmbed consumers may ask for less). */
const FRAME = { width: 480, scenarioHeight: 360, threadHeight: 220 };

/** What an oEmbed `url` names: an embed page of this tracker, or its public page. */
function embedTarget(base: string, url: string): { scenario: string; thread?: string } | null {
  if (!url.startsWith(`${base}/`)) return null;
  const path = url.slice(base.length).split(/[?#]/, 1)[0]!;
  const m = /^\/(?:embed\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?|p\/([a-z0-9-]+))$/.exec(path);
  if (!m) return null;
  const scenario = m[1] ?? m[3]!;
  return m[2] !== undefined ? { scenario, thread: m[2] } : { scenario };
}

export const publicRoutes: Pick<
  HandlerMap<'threads-read', PublicDeps, (typeof THREADS_READ_ROUTES)[number]>,
  PublicKey
> = {
  'GET /public/scenarios/{id}': async (req) => {
    const view = await getPublicScenario(req.ctx, req.params.id);
    return document(req, JSON_TYPE, JSON.stringify(view));
  },

  'GET /public/scenarios/{id}/threads/{threadId}': async (req) => {
    const view = await getPublicThread(req.ctx, req.params.id, req.params.threadId);
    return document(req, JSON_TYPE, JSON.stringify(view));
  },

  'GET /embed/{scenario}': async (req) => {
    const base = baseOf(req);
    const view = await getPublicScenario(req.ctx, req.params.scenario);
    const page = embedPage({
      title: view.title,
      scenario: view.id,
      markup: scenarioMarkup(view, pageUrl(base, view.id)),
      frameAncestors: req.ctx.config.embedOrigins,
      live: liveEmbedConfig(req.ctx.config),
    });
    return document(req, HTML, page.html, {
      'Content-Security-Policy': page.csp,
      'Referrer-Policy': 'no-referrer',
    });
  },

  'GET /embed/{scenario}/{threadId}': async (req) => {
    const base = baseOf(req);
    const view = await getPublicThread(req.ctx, req.params.scenario, req.params.threadId);
    const page = embedPage({
      title: view.title,
      scenario: view.scenario,
      thread: view.id,
      markup: threadMarkup(view, pageUrl(base, view.scenario)),
      frameAncestors: req.ctx.config.embedOrigins,
      live: liveEmbedConfig(req.ctx.config),
    });
    return document(req, HTML, page.html, {
      'Content-Security-Policy': page.csp,
      'Referrer-Policy': 'no-referrer',
    });
  },

  'GET /embed.js': async (req) =>
    document(req, 'text/javascript; charset=utf-8', embedScript(liveEmbedConfig(req.ctx.config))),

  'GET /oembed': async (req) => {
    const q = req.query;
    const base = baseOf(req);
    const target = embedTarget(base, q.url);
    if (!target) throw new NotFoundError('The url is not an embed or public page of this tracker.');
    // Whether it is public is checked before the format: a hidden scenario is 404 in any format.
    const view = await getPublicScenario(req.ctx, target.scenario);
    const thread = target.thread === undefined ? undefined : view.threads.find((t) => t.id === target.thread);
    if (target.thread !== undefined && !thread)
      throw new NotFoundError(`Public scenario ${target.scenario} has no thread ${target.thread}.`);
    if (q.format === 'xml') throw new NotImplementedError('oEmbed is served as JSON only (format=json).');
    const width = Math.min(FRAME.width, q.maxwidth !== undefined ? Number(q.maxwidth) : FRAME.width);
    const tall = thread ? FRAME.threadHeight : FRAME.scenarioHeight;
    const height = Math.min(tall, q.maxheight !== undefined ? Number(q.maxheight) : tall);
    const src = `${base}/embed/${view.id}${thread ? `/${thread.id}` : ''}`;
    const title = thread ? thread.title : view.title;
    const body = {
      version: '1.0',
      type: 'rich',
      html: iframeHtml(src, title, width, height),
      width,
      height,
      title,
      provider_name: 'Scenario Tracker',
      provider_url: base,
      cache_age: PUBLIC_MAX_AGE_SECONDS,
    };
    return document(req, JSON_TYPE, JSON.stringify(body));
  },

  'GET /badge/{scenario}/{badge}': async (req) => {
    const threadId = req.params.badge.slice(0, -'.svg'.length);
    const view = await getPublicThreadView(req.ctx, req.params.scenario, threadId);
    return document(req, 'image/svg+xml; charset=utf-8', badgeSvg(view));
  },

  'GET /p/{scenario}': async (req) => {
    const base = baseOf(req);
    const view = await getPublicScenario(req.ctx, req.params.scenario);
    // One Query per thread for its key events: the page is cached by the CDN (max-age), so a
    // scenario's page costs these reads once per max-age, not once per reader.
    const [threads, previousStarts] = await Promise.all([
      Promise.all(
        view.threads.map(async (thread) => ({ thread, keyEvents: await keyEventsOf(req.ctx, thread.id) })),
      ),
      previousStartsOf(req.ctx, view.id, view.threads),
    ]);
    const withStarts: PageThread[] = threads.map((t) => {
      const previousStartDate = previousStarts.get(t.thread.id);
      return previousStartDate !== undefined ? { ...t, previousStartDate } : t;
    });
    const page = publicPage(view, withStarts, pageUrl(base, view.id));
    return document(req, HTML, page.html, { 'Content-Security-Policy': page.csp });
  },
};
