import { NotFoundError } from '../domain/errors';
import { PRECISIONS } from '../domain/time';
import type { AppContext } from './context';
import { EXPORT_FIELDS, type ExportRecord } from './export';

/** The profile the descriptor declares (Data Package 2.0, https://datapackage.org). */
export const DATA_PACKAGE_PROFILE = 'https://datapackage.org/profiles/2.0/datapackage.json';

type FieldType = 'string' | 'datetime' | 'boolean';

interface Field {
  name: string;
  type: FieldType;
  description: string;
  constraints?: { required?: boolean; enum?: readonly string[] };
}

const required = { constraints: { required: true } } as const;

/** Each export column as a Table Schema field: what it holds and its type (docs/data-desk.md says the same). */
const FIELDS: Readonly<Record<keyof ExportRecord, Omit<Field, 'name'>>> = {
  scenario: { type: 'string', description: 'The scenario id.', ...required },
  thread_id: { type: 'string', description: 'The thread id.', ...required },
  thread_title: { type: 'string', description: "The thread's title now.", ...required },
  kind: { type: 'string', description: "The thread's kind now (GET /kinds).", ...required },
  update_id: { type: 'string', description: 'The update id (a ULID), unique.', ...required },
  status: {
    type: 'string',
    description: 'The status the update reports; empty for a note (an update without status).',
  },
  claimed_by: {
    type: 'string',
    description: "The party whose claim the update reports; empty when it is the newsroom's own.",
  },
  occurred_at: {
    type: 'datetime',
    description:
      'When it happened (UTC); for a day, month or year the start of that period (see occurred_precision).',
    ...required,
  },
  occurred_precision: {
    type: 'string',
    description:
      'How precisely occurred_at is known: instant (the time), day, month or year (only that period).',
    constraints: { required: true, enum: PRECISIONS },
  },
  recorded_at: { type: 'datetime', description: 'When the tracker recorded the update (UTC).', ...required },
  recorded_by: { type: 'string', description: 'The name of the token that posted it.', ...required },
  summary: { type: 'string', description: 'The wording now (amendments applied).', ...required },
  sources: { type: 'string', description: "The sources' URLs, separated by a space." },
  retracted: { type: 'boolean', description: 'Whether the update was retracted.', ...required },
  retracted_at: { type: 'datetime', description: 'When it was retracted (UTC); empty if it was not.' },
  key: { type: 'boolean', description: 'Whether editors marked it a key event of the story.', ...required },
};

/**
 * The scenario's Data Package: one tabular resource, the CSV export at its absolute URL (a reader
 * such as frictionless-py or Excel's Power Query fetches it from there, with the same token), its
 * dialect (RFC 4180 with CRLF) and its Table Schema. 404 as the export answers.
 */
export async function dataPackage(
  ctx: Pick<AppContext, 'threads' | 'feeds'>,
  scenario: string,
  base: string,
): Promise<Record<string, unknown>> {
  const [info, first] = await Promise.all([
    ctx.feeds.scenario(scenario),
    ctx.threads.listThreads({ scenario, archived: 'any' }, 1),
  ]);
  if (!info && first.items.length === 0) throw new NotFoundError(`No scenario ${scenario}.`);
  return {
    $schema: DATA_PACKAGE_PROFILE,
    name: scenario,
    title: info?.title ?? scenario,
    description: `Every update of the scenario ${scenario}, retracted ones included, one row per update, ordered by thread then occurred time.`,
    homepage: `${base}/scenarios/${scenario}`,
    resources: [
      {
        name: 'updates',
        type: 'table',
        path: `${base}/scenarios/${scenario}/export?format=csv`,
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        dialect: {
          header: true,
          delimiter: ',',
          lineTerminator: '\r\n',
          quoteChar: '"',
          doubleQuote: true,
        },
        schema: {
          fields: EXPORT_FIELDS.map((name) => ({ name, ...FIELDS[name] })),
          missingValues: [''],
          primaryKey: ['update_id'],
        },
      },
    ],
  };
}
