import { ARCHIVE_BODY_BYTES } from '../domain/limits';
import type { DeclaredRoute } from './route';
import { jsonSchema } from './shapes';

/**
 * The scenario import's route (contract 1.2, shared/app/archive.ts): a function group of its own, so
 * the only function that may write what an import writes (thread partitions, the feed's carriers, a
 * scenario item, its mark) is the one that serves it; feeds, beside the archive it reads back, stays
 * read-only. Its literal path wins over `/scenarios/{id}` (matchRoute), hence the reserved scenario
 * id `import` (shared/domain/limits.ts RESERVED_SCENARIO_IDS).
 */
export const SCENARIO_IMPORT_ROUTES = [
  {
    route: 'POST /scenarios/import',
    group: 'scenario-import',
    role: 'admin',
    operationId: 'importScenario',
    summary: 'Recreate an archived scenario with the same ids, times and authors',
    description:
      'The body is an archive of GET /scenarios/{id}/archive. Status, counts, the search index and the calendar come out as the write path leaves them; nothing is notified (no event, webhook or live message). Atomic as a scenario: until its last write the scenario is 404 and unlisted, and an interrupted import is finished by sending the archive again. docs/data-desk.md, "Importing".',
    textBody: {
      mediaType: 'application/x-ndjson',
      maxBytes: ARCHIVE_BODY_BYTES,
      description: `An archive, at most ${ARCHIVE_BODY_BYTES} bytes (4 MiB)`,
    },
    responses: {
      201: {
        description: 'Imported: the scenario and how many records of each kind were written',
        location: '/scenarios/{id}',
        body: jsonSchema({
          type: 'object',
          required: ['scenario', 'imported'],
          properties: { scenario: { type: 'object' }, imported: { type: 'object' } },
        }),
      },
    },
    problems: {
      400: 'validation_error (a malformed line or record: the detail names the line)',
      409: 'scenario_exists, thread_exists',
    },
  },
] as const satisfies readonly DeclaredRoute[];
