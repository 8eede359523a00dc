// The validator is ESM-only and Jest runs CommonJS here, so tests call it through this script.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { Validator } from '@seriousme/openapi-schema-validator';

const validator = new Validator();
const result = await validator.validate(JSON.parse(readFileSync(process.argv[2], 'utf8')));
process.stdout.write(
  JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }),
);
