import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The rooms' import rule (eslint.rooms.mjs, run by `npm run lint`) catches an import that points the
 * wrong way. Each case lints one line of source as if it were a file in that room, through ESLint's
 * own API with the project's config, in one child process (ESLint and its config are ES modules).
 */
const ROOT = join(__dirname, '..', '..');

function lint(cases: { file: string; code: string }[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)} });
    const cases = JSON.parse(process.argv[1]);
    const out = [];
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: c.file });
      out.push(result.messages.filter((m) => m.ruleId === 'rooms/direction').map((m) => m.message));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const stdout = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(cases)],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(stdout);
}

const WRONG_WAY = [
  { file: 'shared/domain/x.ts', code: "import { ThreadStore } from '../store/thread-store';" },
  { file: 'shared/domain/x.ts', code: "import { QueryCommand } from '@aws-sdk/lib-dynamodb';" },
  { file: 'shared/domain/x.ts', code: "import { request } from 'node:http';" },
  { file: 'shared/store/x.ts', code: "import type { AppContext } from '../app/context';" },
  { file: 'shared/store/x.ts', code: "import { deliver } from '../events/delivery';" },
  { file: 'shared/events/x.ts', code: "import type { AppContext } from '../app/context';" },
  { file: 'shared/app/x.ts', code: "import { threadEtag } from '../http/etag';" },
  { file: 'shared/app/x.ts', code: "import { QueryCommand } from '@aws-sdk/lib-dynamodb';" },
  { file: 'shared/http/x.ts', code: "export { handler } from '../../functions/health';" },
  { file: 'functions/x.ts', code: "import { startServer } from '../local/server';" },
  { file: 'infra/x.ts', code: "import { handler } from '../functions/health';" },
  { file: 'local/x.ts', code: "import { freshContext } from '../test/support/context';" },
  { file: 'shared/routes.ts', code: "type C = import('./app/context').AppContext;" },
];

const RIGHT_WAY = [
  { file: 'shared/domain/x.ts', code: "import { project } from './projection';" },
  { file: 'shared/store/x.ts', code: "import type { Thread } from '../domain/types';" },
  { file: 'shared/app/x.ts', code: "import { ThreadStore } from '../store/thread-store';" },
  { file: 'shared/http/x.ts', code: "import type { AppContext } from '../app/context';" },
  { file: 'functions/x.ts', code: "import { lambdaHandler } from '../shared/http/handler';" },
  { file: 'local/x.ts', code: "import { handler } from '../functions/health';" },
  { file: 'infra/x.ts', code: "import { ROUTES } from '../shared/routes';" },
];

describe('the rooms lint rule', () => {
  it('reports every import that points the wrong way, and none that points the right way', () => {
    // Prepare: one line per room, each importing a room (or package) it must not, then ones it may
    // Act
    const results = lint([...WRONG_WAY, ...RIGHT_WAY]);
    // Assess
    const wrong = results.slice(0, WRONG_WAY.length);
    const right = results.slice(WRONG_WAY.length);
    wrong.forEach((messages, i) =>
      expect({ ...WRONG_WAY[i], caught: messages.length }).toEqual({ ...WRONG_WAY[i], caught: 1 }),
    );
    right.forEach((messages, i) =>
      expect({ ...RIGHT_WAY[i], messages }).toEqual({ ...RIGHT_WAY[i], messages: [] }),
    );
  }, 120_000);
});
