import { ExportQuerySchema } from '../domain/schemas/exports';
import type { DeclaredRoute } from './route';
import { THREAD_ID, SCENARIO_ID, jsonSchema } from './shapes';

/** The feeds function's routes: all it bundles of the route table (shared/routes.ts composes them). */
export const FEEDS_ROUTES = [
  {
    route: 'GET /threads/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getThreadFeed',
    summary: "Atom feed of a thread's latest updates",
    basicAuth: true,
    params: { id: THREAD_ID },
    etag: 'read',
    atom: true,
    responses: { 200: { description: "Atom 1.0: the thread's 50 most recently recorded updates" } },
    problems: { 404: 'not_found' },
  },
  {
    route: 'GET /scenarios/{id}/feed.atom',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioFeed',
    summary: "Atom feed of a scenario's latest updates",
    basicAuth: true,
    params: { id: SCENARIO_ID },
    etag: 'read',
    atom: true,
    responses: {
      200: { description: "Atom 1.0: the 50 most recently recorded updates across the scenario's threads" },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  // ---- Contract 1.2: the data desk (export, data package, calendar) ----
  {
    route: 'GET /scenarios/{id}/export',
    group: 'feeds',
    role: 'reader',
    operationId: 'exportScenario',
    summary: "A scenario's updates as CSV or NDJSON, one record per update",
    description:
      'Retracted updates included; ordered by thread id, then occurredAt. CSV per RFC 4180 (UTF-8, header row, CRLF); NDJSON one object a line. Streamed by the local server; in the cloud an export over 4 MiB is 413 export_too_large (docs/architecture.md, "Exports"). Columns: docs/data-desk.md and GET /scenarios/{id}/datapackage.json.',
    params: { id: SCENARIO_ID },
    query: {
      schema: ExportQuerySchema,
      describe: { format: 'csv (default) or ndjson' },
    },
    produces: ['text/csv', 'application/x-ndjson'],
    responses: {
      200: { description: 'The export, as an attachment (Content-Disposition) named after the scenario' },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)', 413: 'export_too_large' },
  },
  {
    route: 'GET /scenarios/{id}/datapackage.json',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioDataPackage',
    summary: 'A Frictionless Data Package describing the CSV export',
    params: { id: SCENARIO_ID },
    etag: 'read',
    responses: {
      200: {
        description:
          'Data Package 2.0: one tabular resource, the CSV export, with a Table Schema (each field typed; occurred_precision an enum)',
        body: jsonSchema({ type: 'object', required: ['resources'] }),
      },
    },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  {
    route: 'GET /scenarios/{id}/calendar.ics',
    group: 'feeds',
    role: 'reader',
    operationId: 'getScenarioCalendar',
    summary: "iCalendar of a scenario's expected events",
    description:
      'One VEVENT per thread whose expected is or was set (UID {threadId}@scenario-tracker); SEQUENCE rises each time expected changes; a cleared one stays 30 days with STATUS:CANCELLED. Archived threads are left out.',
    basicAuth: true,
    params: { id: SCENARIO_ID },
    etag: 'read',
    produces: ['text/calendar'],
    responses: { 200: { description: 'iCalendar (RFC 5545)' } },
    problems: { 404: 'not_found (no such scenario, and no thread in it)' },
  },
  // ---- Contract 1.2: the scenario archive (shared/app/archive.ts). In the feeds group, beside the
  // export it resembles: a read, streamed locally, buffered (4 MiB) in the cloud. Its import writes,
  // so it has a function of its own (shared/routes/scenario-import.ts).
  {
    route: 'GET /scenarios/{id}/archive',
    group: 'feeds',
    role: 'admin',
    operationId: 'archiveScenario',
    summary: 'Everything needed to rebuild a scenario, as NDJSON',
    description:
      'One record a line, the first the header (format scenario-tracker/archive, version 1): the scenario, each thread with its settings, each update as stored (retraction included) followed by its wordings, the criteria texts, the drafts, and the scenario\'s changes feed. Derived state (status, counts) is left out: an import recomputes it. The same data gives the same bytes. Streamed by the local server; in the cloud an archive over 4 MiB is 413 export_too_large. Format: docs/data-desk.md, "The archive".',
    params: { id: SCENARIO_ID },
    produces: ['application/x-ndjson'],
    responses: {
      200: { description: 'The archive, as an attachment (Content-Disposition) named after the scenario' },
    },
    problems: { 404: 'not_found (no such scenario)', 413: 'export_too_large' },
  },
] as const satisfies readonly DeclaredRoute[];
