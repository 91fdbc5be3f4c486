/**
 * ServerFeatures.GetSupportedMethods: the 6.x client asks for it on connection and uses BatchAppend for
 * appendToStream only when the server lists it. The double lists exactly the calls it implements.
 */
import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { Empty, SupportedMethod, SupportedMethods } from './proto.ts';
import type { FaultSwitch } from './faults.ts';
import { SERVER_VERSION, type ServerGeneration } from './slow-subscribers.ts';

type EmptyMessage = InstanceType<typeof Empty>;
type SupportedMethodsMessage = InstanceType<typeof SupportedMethods>;

export function handleGetSupportedMethods(options: {
  batchAppend: boolean;
  faults?: FaultSwitch;
  /** The generation the double plays (slow-subscribers.ts): its version is what the server reports. */
  generation?: ServerGeneration;
}) {
  const version = SERVER_VERSION[options.generation ?? '24.10'];
  const methods: Array<[service: string, method: string]> = [
    ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
    ['event_store.client.streams.streams', 'read'],
    ['event_store.client.streams.streams', 'append'],
  ];
  if (options.batchAppend) methods.push(['event_store.client.streams.streams', 'batchappend']);
  return (
    _call: ServerUnaryCall<EmptyMessage, SupportedMethodsMessage>,
    callback: sendUnaryData<SupportedMethodsMessage>,
  ) => {
    if (options.faults?.take(['unresponsive']) === 'unresponsive') return;
    const list = methods.map(([service, method]) =>
      new SupportedMethod().setServiceName(service).setMethodName(method),
    );
    callback(null, new SupportedMethods().setMethodsList(list).setEventStoreServerVersion(version));
  };
}
