import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildOpenApi } from '../../shared/openapi';
import { ROUTES } from '../../shared/routes';

const DOC = join(__dirname, '..', '..', 'docs', 'openapi.json');
const checkedIn = JSON.parse(readFileSync(DOC, 'utf8'));

describe('docs/openapi.json', () => {
  it('is what the schemas and the route table generate today (run `npm run openapi` when this fails)', () => {
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
  });

  it('is a valid OpenAPI 3.1 document', () => {
    // Act: @seriousme/openapi-schema-validator checks it against the official 3.1 schema
    const result = JSON.parse(
      execFileSync(process.execPath, [join(__dirname, '..', 'support', 'validate-openapi.mjs'), DOC], {
        encoding: 'utf8',
      }),
    );
    // Assess
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is recognised as invalid by the same validator when broken (the check can fail)', () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'openapi-broken-'));
    const broken = join(folder, 'openapi.json');
    writeFileSync(broken, JSON.stringify({ ...checkedIn, paths: { '/x': { get: { responses: 'none' } } } }));
    try {
      // Act
      const result = JSON.parse(
        execFileSync(process.execPath, [join(__dirname, '..', 'support', 'validate-openapi.mjs'), broken], {
          encoding: 'utf8',
        }),
      );
      // Assess
      expect(result.valid).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('describes every route of the route table with its operation id', () => {
    for (const route of ROUTES)
      expect(checkedIn.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.operationId);
  });
});
