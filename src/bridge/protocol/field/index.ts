/** The field dialect (`/ws/gateway/`): the edge servers already in homes. Pure: no sockets, no clock. */
export { parseFieldFrame } from './parse-field-frame.ts';
export {
  buildFieldCommand,
  buildFieldPong,
  buildGetDevices,
  RUN_SCENE_ACTION,
  SCENE_DEVICE_PREFIX,
} from './build-field-frames.ts';
export {
  FIELD_INBOUND_FRAME_TYPES,
  type FieldInboundFrame,
  type FieldInventoryEntity,
  type FieldOutboundFrame,
} from './field-frames.ts';
export { MAX_FIELD_INVENTORY_ENTITIES, MAX_FIELD_MESSAGE_LENGTH } from './field-schemas.ts';
