/**
 * Typed access to the protobuf/gRPC code generated for @eventstore/db-client. The generated modules are CommonJS
 * built with `goog.object.extend(exports, …)`, which Node's ESM loader cannot see named exports through, so they
 * are imported as default (module.exports) and re-exported by name here. They must be the very same module
 * instances the client loads: the generated serializers check `instanceof`.
 */
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import codePb from '@eventstore/db-client/generated/code_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';

export const { ReadReq, ReadResp, AppendReq, AppendResp, BatchAppendReq, BatchAppendResp } = streamsPb;
export const { StreamsService } = streamsGrpc;
export const {
  UUID,
  Empty,
  StreamIdentifier,
  AllStreamPosition,
  WrongExpectedVersion,
  Timeout,
  MaximumAppendSizeExceeded,
  StreamDeleted,
} = sharedPb;
export const { SupportedMethods, SupportedMethod } = serverFeaturesPb;
export const { ServerFeaturesService } = serverFeaturesGrpc;
export const { Status } = statusPb;
/** google.rpc.Code, the code inside a BatchAppend result's Status (same numbers as gRPC's status codes). */
export const { Code } = codePb;
export const { Any } = anyPb;
/** google.protobuf.Empty, which BatchAppend uses where the other messages use event_store.client.Empty. */
export const GoogleEmpty = emptyPb.Empty;

export type ReadReqMessage = InstanceType<typeof ReadReq>;
export type ReadRespMessage = InstanceType<typeof ReadResp>;
export type AppendReqMessage = InstanceType<typeof AppendReq>;
export type AppendRespMessage = InstanceType<typeof AppendResp>;
export type BatchAppendReqMessage = InstanceType<typeof BatchAppendReq>;
export type BatchAppendRespMessage = InstanceType<typeof BatchAppendResp>;
export type UUIDMessage = InstanceType<typeof UUID>;
export type StreamIdentifierMessage = InstanceType<typeof StreamIdentifier>;
export type ProposedMessage =
  InstanceType<typeof AppendReq.ProposedMessage> | InstanceType<typeof BatchAppendReq.ProposedMessage>;
