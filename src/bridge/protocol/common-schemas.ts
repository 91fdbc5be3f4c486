import { z } from 'zod';
import { MAX_DEVICE_ID_LENGTH, MAX_REQUEST_ID_LENGTH } from './limits.ts';

/** Building blocks shared by the inbound and outbound frame schemas. */

export const requestIdSchema = z.string().min(1).max(MAX_REQUEST_ID_LENGTH);

export const deviceIdSchema = z.string().min(1).max(MAX_DEVICE_ID_LENGTH);

/** Any JSON object (not an array, not null); contents are the edge's business. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** An error detail as gateways send it: a bare message, or an object with an optional code. */
export const wireErrorDetailSchema = z.union([
  z.string(),
  z.object({ code: z.string().optional(), message: z.string().optional() }),
]);
