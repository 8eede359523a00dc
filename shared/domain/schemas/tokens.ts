import '../zod-setup';
import * as z from 'zod/mini';
import { slug } from '../schema-basics';
import { ROLES } from '../types';

/**
 * `POST /tokens`.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

export const CreateTokenSchema = z.strictObject({
  name: slug,
  role: z.enum(ROLES as ['reader', 'editor', 'admin']),
  // Contract 1.2 "Drafts": the token may publish its own drafts.
  selfPublish: z.optional(z.boolean()),
});
