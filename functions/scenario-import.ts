import { importArchive } from '../shared/app/archive-import';
import { kindCache } from '../shared/app/kinds';
import { config } from '../shared/config';
import { ARCHIVE_BODY_BYTES } from '../shared/domain/limits';
import { lambdaHandler } from '../shared/http/handler';
import { readTextBody } from '../shared/http/request';
import { json } from '../shared/http/response';
import { SCENARIO_IMPORT_ROUTES } from '../shared/routes/scenario-import';
import { ArchiveStore } from '../shared/store/archive-store';
import { createDocumentClient } from '../shared/store/client';
import { KindStore } from '../shared/store/kind-store';
import { ScenarioStore } from '../shared/store/scenario-store';
import { ThreadStore } from '../shared/store/thread-store';

/**
 * The scenario import (contract 1.2, POST /scenarios/import; admin). A function of its own for least
 * privilege: an import writes thread partitions, the changes feed's carriers, a scenario item and
 * its mark, and no other route needs those grants together; beside the archive in feeds they made a
 * read function (HTTP Basic feeds and calendars) a writer. Its role (infra/permissions.ts) holds what
 * importArchive touches and nothing else: the scenario item (exists?), its threads (GSI1: any?), the
 * kinds, and the archive store's restore. No bus: an import notifies nobody.
 */

const cfg = config();
const db = createDocumentClient(cfg);
/** What the import uses, built once per instance (its IAM role: infra/permissions.ts). */
const deps = {
  config: cfg,
  scenarios: new ScenarioStore(db, cfg.tableName),
  threads: new ThreadStore(db, cfg.tableName),
  archives: new ArchiveStore(db, cfg.tableName),
  kinds: kindCache(new KindStore(db, cfg.tableName), cfg.kindsCacheSeconds * 1000),
};
const appContext = () => deps;

export const handler = lambdaHandler(SCENARIO_IMPORT_ROUTES)(
  'scenario-import',
  {
    'POST /scenarios/import': async (req) => {
      const body = readTextBody(req.event, 'application/x-ndjson', ARCHIVE_BODY_BYTES);
      const result = await importArchive(req.ctx, body);
      return json(201, result, { Location: `/scenarios/${result.scenario.id}` });
    },
  },
  appContext,
);
