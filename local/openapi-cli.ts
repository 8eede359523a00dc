import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../shared/openapi';

/** npm run openapi: regenerate docs/openapi.json from the schemas and the route table. */
const target = join(__dirname, '..', 'docs', 'openapi.json');
writeFileSync(target, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`wrote ${target}`);
