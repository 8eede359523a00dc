import '../zod-setup';
import * as z from 'zod/mini';

/**
 * The data desk's export query (contract 1.2).
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

export const ExportQuerySchema = z.strictObject({ format: z.optional(z.enum(['csv', 'ndjson'])) });
