import { ATOM_TYPE, scenarioFeed, threadFeed } from '../shared/app/feeds';
import { CALENDAR_TYPE, scenarioCalendar } from '../shared/app/calendar';
import { dataPackage } from '../shared/app/datapackage';
import { EXPORT_TYPES, exportDisposition, openExport } from '../shared/app/export';
import { archiveDisposition, openArchive } from '../shared/app/archive';
import { ARCHIVE_TYPE } from '../shared/domain/archive';
import { ArchiveStore } from '../shared/store/archive-store';
import { ScenarioStore } from '../shared/store/scenario-store';
import { buffered } from '../shared/http/stream-body';
import { createDocumentClient } from '../shared/store/client';
import { FeedStore } from '../shared/store/feed-store';
import { ThreadStore } from '../shared/store/thread-store';
import { contentEtag, noneMatchHits } from '../shared/http/etag';
import { lambdaHandler, type AnyRequest, type LambdaHandler } from '../shared/http/handler';
import { FEEDS_ROUTES } from '../shared/routes/feeds';
import { header } from '../shared/http/request';
import { config, SettingError } from '../shared/config';
import { BASE_HEADERS, JSON_TYPE, empty, type HttpResult } from '../shared/http/response';

const cfg = config();
const db = createDocumentClient(cfg);
/** What this function's routes use, built once per instance (its IAM role: infra/permissions.ts). */
const deps = {
  config: cfg,
  threads: new ThreadStore(db, cfg.tableName),
  feeds: new FeedStore(db, cfg.tableName),
  // The archive (contract 1.2): a scenario's item, its partitions as stored, its changes feed. Its
  // import, which writes, is a function of its own (functions/scenario-import.ts).
  scenarios: new ScenarioStore(db, cfg.tableName),
  archives: new ArchiveStore(db, cfg.tableName),
};
const appContext = () => deps;

/**
 * The Atom feeds (readers; HTTP Basic allowed, shared/routes.ts). A function of their own: the
 * `feed` package and its XML dependencies stay out of threads-read's bundle and cold start, and feed
 * readers, which poll on their own schedule, get their own concurrency, alarms and logs. Read-only,
 * confined to thread and scenario items (infra/permissions.ts); a feed never pages, so no page-token key.
 */

/** An Atom document, with an ETag of its bytes (and 304 when the reader holds them already). */
function atom(req: AnyRequest, xml: string): HttpResult {
  const tag = contentEtag(xml);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { statusCode: 200, headers: { ...BASE_HEADERS, 'Content-Type': ATOM_TYPE, ETag: tag }, body: xml };
}

/**
 * Where clients reach the API (TRACKER_PUBLIC_URL, set by the stack): feed links are absolute. Never
 * the request's Host or X-Forwarded-* headers: a client picks those, and a cache would serve the
 * feed it poisoned to every reader.
 */
const publicBase = (req: AnyRequest<Pick<typeof deps, 'config'>>): string => {
  const base = req.ctx.config.publicUrl;
  if (base === undefined)
    throw new SettingError('TRACKER_PUBLIC_URL', 'is not set: feed links are built on it.');
  return base;
};

/** A document with an ETag of its bytes (and 304 when the reader holds them already). */
function tagged(req: AnyRequest, type: string, text: string): HttpResult {
  const tag = contentEtag(text);
  if (noneMatchHits(header(req.event, 'if-none-match'), tag)) return empty(304, { ETag: tag });
  return { statusCode: 200, headers: { ...BASE_HEADERS, 'Content-Type': type, ETag: tag }, body: text };
}

/**
 * The routes, answering exports as streams: what the local server runs (it writes a stream out
 * chunk by chunk). The Lambda entry point below buffers them, as API Gateway requires.
 */
export const streaming = lambdaHandler(FEEDS_ROUTES)(
  'feeds',
  {
    'GET /threads/{id}/feed.atom': async (req) =>
      atom(req, await threadFeed(req.ctx, req.params.id, publicBase(req))),

    'GET /scenarios/{id}/feed.atom': async (req) =>
      atom(req, await scenarioFeed(req.ctx, req.params.id, publicBase(req))),

    'GET /scenarios/{id}/export': async (req) => {
      const format = req.query.format ?? 'csv';
      return {
        statusCode: 200,
        headers: {
          ...BASE_HEADERS,
          'Content-Type': EXPORT_TYPES[format],
          'Content-Disposition': exportDisposition(req.params.id, format),
        },
        body: '',
        stream: await openExport(req.ctx, req.params.id, format),
      };
    },

    'GET /scenarios/{id}/archive': async (req) => ({
      statusCode: 200,
      headers: {
        ...BASE_HEADERS,
        'Content-Type': ARCHIVE_TYPE,
        'Content-Disposition': archiveDisposition(req.params.id),
      },
      body: '',
      stream: await openArchive(req.ctx, req.params.id),
    }),

    'GET /scenarios/{id}/datapackage.json': async (req) =>
      tagged(req, JSON_TYPE, JSON.stringify(await dataPackage(req.ctx, req.params.id, publicBase(req)))),

    'GET /scenarios/{id}/calendar.ics': async (req) =>
      tagged(req, CALENDAR_TYPE, await scenarioCalendar(req.ctx, req.params.id, Date.now())),
  },
  appContext,
);

/** The Lambda entry point: API Gateway takes a whole response, so a streamed one is buffered (up to its cap). */
const bufferedOver = (inner: LambdaHandler<typeof deps>): LambdaHandler<typeof deps> =>
  Object.assign(async (...args: Parameters<LambdaHandler<typeof deps>>) => buffered(await inner(...args)), {
    with: (other: () => typeof deps) => bufferedOver(inner.with(other)),
  });

export const handler = bufferedOver(streaming);
