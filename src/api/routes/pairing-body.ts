import { z } from 'zod';
import { isPairingCodeShape, normalisePairingCode } from '../../commands/gateways/secret-digester.ts';
import { GATEWAY_VERSION_MAX_LENGTH, gatewayVersionProblem } from '../../domain/gateways/gateway-version.ts';
import { homeNameProblem } from '../../domain/homes/home-name.ts';
import { uuid } from '../path-params.ts';
import { gatewayName } from '../contracts/gateway-contract.ts';

/** Longest code text accepted (people group the 8 characters with spaces or dashes). */
const MAX_CODE_TEXT = 32;
/** `expiry_minutes` bounds: the longest is the longest PAIRING_CODE_TTL_S allows (a day). */
export const MIN_EXPIRY_MINUTES = 1;
export const MAX_EXPIRY_MINUTES = 1440;

const codeText = z.string().trim().min(1).max(MAX_CODE_TEXT);

/** Trimmed; blank counts as absent (the original accepted blank names and versions); else must pass `problemOf`. */
const optionalText = (maxLength: number, problemOf: (text: string) => string | null) =>
  z
    .string()
    .max(maxLength * 4)
    .trim()
    .transform((text) => (text === '' ? undefined : text))
    .superRefine((text, ctx) => {
      const problem = text === undefined ? null : problemOf(text);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional();

/** A home name is the only thing that names a new home; an existing home (home_id) keeps its own. */
export const requestBody = z
  .object({
    home_id: uuid.optional(),
    name: gatewayName.optional(),
    home_name: optionalText(100, homeNameProblem),
    expiry_minutes: z.number().int().min(MIN_EXPIRY_MINUTES).max(MAX_EXPIRY_MINUTES).optional(),
  })
  .refine((body) => body.home_id === undefined || body.home_name === undefined, {
    message: 'home_name names a new home: leave it out with home_id (rename a home with PATCH /api/homes/{id}/)',
    path: ['home_name'],
  });

/**
 * `code` (ours) or `pairing_code` (the field edge's pair_gateway.py); both may be sent if they agree. The edge
 * also sends `gateway_uuid` (becomes the gateway's id), `name` and `version`.
 */
export const completeBody = z
  .object({
    code: codeText.optional(),
    pairing_code: codeText.optional(),
    home_id: uuid.optional(),
    name: gatewayName.optional(),
    gateway_uuid: uuid.optional(),
    version: optionalText(GATEWAY_VERSION_MAX_LENGTH, gatewayVersionProblem),
  })
  .superRefine((body, ctx) => {
    if (body.code === undefined && body.pairing_code === undefined) {
      ctx.addIssue({ code: 'custom', message: 'send the pairing code as code (or pairing_code)', path: ['code'] });
    } else if (
      body.code !== undefined &&
      body.pairing_code !== undefined &&
      normalisePairingCode(body.code) !== normalisePairingCode(body.pairing_code)
    ) {
      ctx.addIssue({ code: 'custom', message: 'code and pairing_code differ: send one', path: ['pairing_code'] });
    }
  });

export const pairingCodeOf = (body: z.infer<typeof completeBody>): string => (body.code ?? body.pairing_code)!;

/** A path code longer than any code text is a 400; one that cannot be a code is simply not valid (null). */
export const verifyParams = z.object({
  code: z
    .string()
    .max(MAX_CODE_TEXT)
    .transform((text) => (isPairingCodeShape(text) ? text : null)),
});
