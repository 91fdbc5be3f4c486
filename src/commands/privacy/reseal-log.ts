import type { EmailClaimStreams } from '../../domain/accounts/email.ts';
import { PERSONAL_FIELDS, PERSONAL_METADATA_FIELDS } from '../../domain/privacy/personal-fields.ts';
import { DEFAULT_MAX_APPEND_BYTES, splitBySize } from '../../eventstore/append-size.ts';
import { streamRuns } from '../../eventstore/copy-log.ts';
import { linkEvents } from '../../eventstore/hash-chain.ts';
import type { EventStore, EventToAppend, JsonObject, Position, RecordedEvent } from '../../eventstore/port.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { ERASED, isSealed, sealedKeyId } from '../../eventstore/personal-data/sealed-value.ts';
import type { Actor } from '../metadata.ts';
import type { PersonalDataSealer } from '../personal-data-sealer.ts';
import { NO_STREAM, type StreamTip } from '../stream-tip.ts';

export interface ResealTools {
  /** The write path's sealer: the same fields are sealed, under the same keys. */
  sealer: PersonalDataSealer;
  keys: DataKeys;
  claimStreams: EmailClaimStreams;
}

export interface ResealProgress {
  /** Events read from the source and appended to the destination. */
  done: number;
  /** Of those, events whose personal values were in the clear and are sealed now. */
  sealed: number;
  /** Legacy (unkeyed) e-mail claim streams renamed to their keyed names. */
  renamedClaimStreams: number;
  position: Position | null;
}

export interface ResealOptions {
  pageSize?: number;
  /** Largest append sent to the destination (EventStoreDB refuses more than 1 MiB by default): see copy-log.ts. */
  maxAppendBytes?: number;
  onProgress?: (progress: ResealProgress) => void;
}

/**
 * Copies a whole log into an empty store, in global order, as the write path would have written it today: every
 * personal value in the clear sealed under its subject's data key (events already sealed are copied as they are),
 * legacy e-mail claim streams renamed to their keyed names (a keyed stream of the same address, written after the
 * legacy one was freed, continues it), every hash chain linked again over what is written. Event ids, types and
 * the rest of the metadata are kept. The data keys of every `PersonalDataErased` in the source are destroyed
 * first: nothing about an erased person is sealed under a live key. The source is only read.
 */
export async function resealLog(
  source: EventStore,
  destination: EventStore,
  tools: ResealTools,
  options: ResealOptions = {},
): Promise<ResealProgress> {
  const pageSize = options.pageSize ?? 1000;
  await tools.keys.destroy([...(await erasedKeyIds(source, pageSize))]);
  const tips = new Map<string, StreamTip>();
  const renamed = new Set<string>();
  const progress: ResealProgress = { done: 0, sealed: 0, renamedClaimStreams: 0, position: null };
  for (;;) {
    const page = await source.readAll({ after: progress.position, maxCount: pageSize });
    if (page.length === 0) return progress;
    for (const run of streamRuns(page)) {
      const from = run[0]!.streamName;
      const keyedName = tools.claimStreams.keyedNameOfLegacy(from);
      if (keyedName !== null) renamed.add(from);
      const stream = keyedName ?? from;
      const prepared = await Promise.all(run.map((event) => resealEvent(event, tools.sealer)));
      progress.sealed += prepared.filter((event) => event.sealedNow).length;
      const tip = tips.get(stream) ?? NO_STREAM;
      const linked = linkEvents(
        tip.lastHash,
        prepared.map(({ event }) => event),
      );
      let revision = tip.revision;
      for (const part of splitBySize(linked.events, options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES)) {
        const result = await destination.appendToStream(stream, part, { expectedRevision: revision ?? 'no_stream' });
        revision = result.nextExpectedRevision;
      }
      tips.set(stream, { revision, lastHash: linked.last });
      progress.done += run.length;
      progress.position = run.at(-1)!.position;
    }
    progress.renamedClaimStreams = renamed.size;
    options.onProgress?.({ ...progress });
    if (page.length < pageSize) return progress;
  }
}

async function resealEvent(
  event: RecordedEvent,
  sealer: PersonalDataSealer,
): Promise<{ event: EventToAppend; sealedNow: boolean }> {
  const copy = { id: event.id, type: event.type, data: event.data, metadata: event.metadata };
  if (holdsSealedValues(event)) return { event: copy, sealedNow: false };
  const sealed = await sealer.seal(copy, actorOf(event.metadata));
  return { event: { ...copy, data: sealed.data, metadata: sealed.metadata }, sealedNow: sealed !== copy };
}

/**
 * Written by a server that seals: some personal value is an envelope, or "[erased]" (written for a subject whose
 * key was gone). Such an event is copied as it is; sealing it again would wrap ciphertext in ciphertext.
 */
function holdsSealedValues(event: RecordedEvent): boolean {
  const fields = PERSONAL_FIELDS[event.type]?.fields ?? [];
  const values = [
    ...fields.map((field) => event.data[field]),
    ...PERSONAL_METADATA_FIELDS.map((field) => event.metadata[field]),
  ];
  return values.some((value) => value === ERASED || (isSealed(value) && sealedKeyId(value) !== null));
}

/** The actor recorded on the event: whose key seals its request's address and user agent. */
function actorOf(metadata: JsonObject): Actor {
  const actor = metadata.actor as Partial<Actor> | null | undefined;
  if (actor && typeof actor === 'object' && typeof actor.kind === 'string')
    return { kind: actor.kind, id: typeof actor.id === 'string' ? actor.id : null };
  return { kind: 'anonymous', id: null };
}

/** Every data key a `PersonalDataErased` of the log names. */
async function erasedKeyIds(source: EventStore, pageSize: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: Position | null = null;
  for (;;) {
    const page = await source.readAll({ after, maxCount: pageSize });
    for (const event of page) {
      const keyIds = event.type === 'PersonalDataErased' ? event.data.key_ids : null;
      if (Array.isArray(keyIds)) for (const id of keyIds) if (typeof id === 'string') ids.add(id);
    }
    if (page.length < pageSize) return ids;
    after = page.at(-1)!.position;
  }
}
