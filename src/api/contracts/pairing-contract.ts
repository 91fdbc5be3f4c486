import { z } from 'zod';
import { completeBody, requestBody, verifyParams } from '../routes/pairing-body.ts';
import { component, error, isoTime, json, type Operation } from '../openapi/operation.ts';
import { provisionedResponse } from './gateway-contract.ts';

const pairingCodeResponse = component(
  'PairingCode',
  z.object({
    code: z.string().describe('8 characters; people may group them with spaces or dashes'),
    expires_at: isoTime,
    message: z.string(),
  }),
);
const pairedResponse = component('PairedGateway', provisionedResponse.extend({ message: z.string() }));
const pairingValidityResponse = component('PairingValidity', z.object({ valid: z.boolean(), message: z.string() }));
export type PairingCodeResponse = z.infer<typeof pairingCodeResponse>;
export type PairedResponse = z.infer<typeof pairedResponse>;
export type PairingValidityResponse = z.infer<typeof pairingValidityResponse>;

const tags = ['pairing'];
const tooMany = error(
  'rate_limited: too many failed redemptions or checks from this address (details.retry_after_s; Retry-After)',
);

export const pairingOperations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/gateways/request-pairing',
    operationId: 'requestPairingCode',
    summary: 'Get a one-time pairing code for a gateway of one of your homes (or of a new home)',
    tags,
    auth: 'user',
    body: requestBody,
    responses: {
      201: json('A code to enter on the gateway', pairingCodeResponse),
      400: error('validation_error, or home_name_for_existing_home'),
      403: error('forbidden: your role may not add gateways to this home'),
      404: error('home_not_found: no such home, or not one of yours'),
      409: error('pairing_code_collision or concurrent_update: retry'),
    },
  },
  {
    method: 'post',
    path: '/api/gateways/complete-pairing',
    operationId: 'completePairing',
    summary: 'Redeem a pairing code (the gateway, no token): provisions the gateway and answers its secret',
    tags,
    auth: 'none',
    body: completeBody,
    responses: {
      201: json('Paired', pairedResponse, { 'Cache-Control': 'no-store' }),
      400: error(
        'validation_error; pairing_code_invalid, pairing_code_used or pairing_code_expired (details.reason); or ' +
          'pairing_home_mismatch (the code was issued for another home)',
      ),
      409: error('home_has_active_gateway, gateway_id_taken (gateway_uuid is another gateway), or concurrent_update'),
      429: tooMany,
    },
  },
  {
    method: 'get',
    path: '/api/gateways/verify-pairing/{code}',
    operationId: 'verifyPairingCode',
    summary: 'Is this code still redeemable? (never consumes it, never names the home)',
    tags,
    auth: 'user',
    params: verifyParams,
    responses: {
      200: json('Its validity', pairingValidityResponse),
      400: error('validation_error: a code longer than 32 characters'),
      429: tooMany,
    },
  },
];
