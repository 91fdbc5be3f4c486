import { z } from 'zod';
import { remoteCommandRequest } from '../routes/remote-command-submission.ts';
import { pageQuery } from '../pagination.ts';
import {
  component,
  error,
  id,
  isoTime,
  isoTimeOrNull,
  json,
  uuidParams,
  type Operation,
} from '../openapi/operation.ts';

export const commandStatus = z.enum(['issued', 'dispatched', 'succeeded', 'failed', 'timed_out', 'expired']);
const commandFields = {
  id: id.describe("The command's id"),
  gateway_id: id,
  home_id: id,
  device_id: z.string(),
  action: z.string(),
  params: z.record(z.string(), z.unknown()),
  status: commandStatus,
  result: z.unknown().optional().describe('What the edge answered (succeeded only)'),
  issued_by: id,
  issued_at: isoTime,
  dispatched_at: isoTimeOrNull,
  completed_at: isoTimeOrNull,
  expires_at: isoTimeOrNull.describe('When a queued command (ttl_s > 0) gives up'),
  timeout_s: z.number().int(),
  ttl_s: z.number().int(),
  attempts: z.number().int().describe('How many times it was sent (again after a reconnect)'),
};
const edgeError = z.object({ code: z.string(), message: z.string() }).nullable();

export const remoteCommandResponse = component(
  'RemoteCommand',
  z.object({
    ...commandFields,
    error: edgeError.optional().describe("The edge's error (failed only)"),
    client_command_id: id.optional().describe('The command_id the caller sent (answers to the submission only)'),
  }),
);
const timedOutResponse = component(
  'RemoteCommandTimedOut',
  z.object({
    ...commandFields,
    client_command_id: id.optional(),
    error: z.object({
      code: z.literal('command_timed_out'),
      message: z.string(),
      details: z.object({ command_id: id }),
    }),
  }),
);
const historyEntry = z.object({
  type: z.string().describe('The event type'),
  revision: z.number().int(),
  recorded_at: isoTime,
  actor: z.unknown().describe('Who caused it (the event metadata), or null'),
  data: z.record(z.string(), z.unknown()).describe('The event data (the request fingerprint left out)'),
});
const commandWithHistoryResponse = component(
  'RemoteCommandWithHistory',
  z.object({
    ...commandFields,
    error: edgeError.optional(),
    late_acks: z.number().int().describe('Acks that arrived after the command had ended'),
    history: z.array(historyEntry).describe('The events of its stream, oldest first'),
  }),
);
const commandPageResponse = component(
  'RemoteCommandPage',
  z.object({
    items: z.array(remoteCommandResponse),
    total: z.number().int().describe('How many there are in all'),
    limit: z.number().int(),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  }),
);

const tags = ['remote control'];
const gatewayNotFound = error('gateway_not_found: no such gateway, or not in one of your homes');
const location = { Location: '/api/commands/{id}/: where to read the outcome' };

/** What every command submission can answer besides its success (the REST and the app entrances). */
export const submissionErrors = {
  403: error('forbidden: your role may not control devices'),
  409: error(
    'gateway_offline (send ttl_s > 0 to queue), gateway_revoked, command_id_conflict (the same command_id with ' +
      'another body), or concurrent_update',
  ),
  429: error('command_queue_full: too many commands wait for this offline gateway (Retry-After)'),
  503: error('shutting_down: this node stops; the command stays recorded, read its outcome at Location'),
};

export const remoteCommandOperations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/gateways/{id}/commands',
    operationId: 'submitRemoteCommand',
    summary: 'Send a command to a device through its gateway; waits for the outcome unless wait is false',
    tags,
    auth: 'user',
    params: uuidParams('id'),
    body: remoteCommandRequest,
    responses: {
      200: json('Finished: succeeded, failed or expired (see status)', remoteCommandResponse),
      202: json('Accepted: on its way, or queued for an offline gateway (ttl_s > 0)', remoteCommandResponse, location),
      404: gatewayNotFound,
      ...submissionErrors,
      504: json(
        'command_timed_out: the gateway did not ack within timeout_s (the command, with the error)',
        timedOutResponse,
      ),
    },
  },
  {
    method: 'get',
    path: '/api/gateways/{id}/commands',
    operationId: 'listRemoteCommands',
    summary: "A gateway's recent commands, newest first",
    tags,
    auth: 'user',
    params: uuidParams('id'),
    query: pageQuery,
    responses: {
      200: json('A page of commands', commandPageResponse),
      400: error('validation_error (details.issues; offset is not supported), or invalid_cursor'),
      404: gatewayNotFound,
    },
  },
  {
    method: 'get',
    path: '/api/commands/{id}',
    operationId: 'getRemoteCommand',
    summary: 'A command, its status and its history; any member of its home',
    tags,
    auth: 'user',
    params: uuidParams('id'),
    responses: {
      200: json('The command', commandWithHistoryResponse),
      404: error('command_not_found: no such command, or not in one of your homes'),
    },
  },
];
