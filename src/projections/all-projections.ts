import { keyShreddingProjection } from './key-shredding-projection.ts';
import type { Projection } from './projection.ts';
import { accountAdminProjection } from './read-models/account-admin-projection.ts';
import { auditIndexProjection } from './read-models/audit-index-projection.ts';
import { bridgeProjection } from './read-models/bridge-projection.ts';
import { devicesProjection } from './read-models/devices-projection.ts';
import { gatewaysProjection } from './read-models/gateways-projection.ts';
import { homesProjection } from './read-models/homes-projection.ts';
import { projectionRebuildsProjection } from './read-models/projection-rebuilds-projection.ts';
import { tokenFamiliesProjection } from './read-models/token-families-projection.ts';
import { membershipsProjection } from './read-models/memberships-projection.ts';
import { remoteCommandsProjection } from './read-models/remote-commands-projection.ts';
import { usersProjection } from './read-models/users-projection.ts';

/** Every read model of the system, and the key-shredding follower (owns no table), in the order they are migrated. */
export const allProjections: readonly Projection[] = [
  usersProjection,
  homesProjection,
  membershipsProjection,
  gatewaysProjection,
  bridgeProjection,
  remoteCommandsProjection,
  auditIndexProjection,
  devicesProjection,
  accountAdminProjection,
  keyShreddingProjection,
  projectionRebuildsProjection,
  tokenFamiliesProjection,
];
