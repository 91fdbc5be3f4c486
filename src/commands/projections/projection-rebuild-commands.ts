import {
  projectionRebuildDecider,
  projectionRebuildStream,
  type ProjectionRebuildCommand,
} from '../../domain/projections/projection-rebuild.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { CommandContext } from '../metadata.ts';
import { writeResultOf, type WriteResult } from '../write-result.ts';

/**
 * The record of a rebuild started from the admin API, on its own stream: started by a staff member (standing read
 * from their stream by the caller), then its progress and its end, each with the same staff actor.
 */
export class ProjectionRebuildCommands {
  constructor(private readonly handler: EventSourcedCommandHandler) {}

  async record(rebuildId: string, command: ProjectionRebuildCommand, context: CommandContext): Promise<WriteResult> {
    const stream = projectionRebuildStream(rebuildId);
    return writeResultOf(await this.handler.execute(projectionRebuildDecider, stream, command, context));
  }
}
