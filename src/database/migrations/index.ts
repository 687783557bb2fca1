import { InitialSchema1764400000000 } from './1764400000000-initial-schema';
import { UserTokenVersion1764500000000 } from './1764500000000-user-token-version';
import { LoginLockout1764600000000 } from './1764600000000-login-lockout';
import { AuditChains1764700000000 } from './1764700000000-audit-chains';
import { GatewaySecrets1764710000000 } from './1764710000000-gateway-secrets';
import { Sessions1764720000000 } from './1764720000000-sessions';
import { EscalationAndSearch1764730000000 } from './1764730000000-escalation-and-search';
import { RemoteId1764740000000 } from './1764740000000-remote-id';
import { Silences1764750000000 } from './1764750000000-silences';
import { BlindSpots1764760000000 } from './1764760000000-blind-spots';
import { DroneTracks1764770000000 } from './1764770000000-drone-tracks';
import { Correlator1764780000000 } from './1764780000000-correlator';
import { FoldFailures1764790000000 } from './1764790000000-fold-failures';
import { GinPendingLists1764800000000 } from './1764800000000-gin-pending-lists';
import { IncidentSpans1764810000000 } from './1764810000000-incident-spans';
import { SeqGapRanges1764825000000 } from './1764825000000-seq-gap-ranges';
import { LoginThrottle1764835000000 } from './1764835000000-login-throttle';
import { EvidenceSigning1764900000000 } from './1764900000000-evidence-signing';
import { RuntimeRole1764910000000 } from './1764910000000-runtime-role';
import { SiteMaps1764920000000 } from './1764920000000-site-maps';
import { TimePartitions1765000000000 } from './1765000000000-time-partitions';
import { PartitionRetention1765000100000 } from './1765000100000-partition-retention';
import { LegalHolds1765000200000 } from './1765000200000-legal-holds';
import { MaterialRecords1765020000000 } from './1765020000000-material-records';
import { Sharing1765030000000 } from './1765030000000-sharing';
import { SitePosture1765040000000 } from './1765040000000-site-posture';
import { EventKeysClaimed1765100000000 } from './1765100000000-event-keys-claimed';
import { EventTimeBounds1765110000000 } from './1765110000000-event-time-bounds';
import { IncidentRetention1765120000000 } from './1765120000000-incident-retention';
import { MaterialAppendOnlyPrivileges1765140000000 } from './1765140000000-material-append-only-privileges';
import { SharedIncidents1765140100000 } from './1765140100000-shared-incidents';
import { EventTimeBoundsGuard1765150000000 } from './1765150000000-event-time-bounds-guard';
import { IncidentStatsIndex1765200000000 } from './1765200000000-incident-stats-index';
import { HealthLastChange1765210000000 } from './1765210000000-health-last-change';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [
  InitialSchema1764400000000,
  UserTokenVersion1764500000000,
  LoginLockout1764600000000,
  AuditChains1764700000000,
  GatewaySecrets1764710000000,
  Sessions1764720000000,
  EscalationAndSearch1764730000000,
  RemoteId1764740000000,
  Silences1764750000000,
  BlindSpots1764760000000,
  DroneTracks1764770000000,
  Correlator1764780000000,
  FoldFailures1764790000000,
  GinPendingLists1764800000000,
  IncidentSpans1764810000000,
  SeqGapRanges1764825000000,
  LoginThrottle1764835000000,
  EvidenceSigning1764900000000,
  RuntimeRole1764910000000,
  SiteMaps1764920000000,
  TimePartitions1765000000000,
  PartitionRetention1765000100000,
  LegalHolds1765000200000,
  MaterialRecords1765020000000,
  Sharing1765030000000,
  SitePosture1765040000000,
  EventKeysClaimed1765100000000,
  EventTimeBounds1765110000000,
  IncidentRetention1765120000000,
  MaterialAppendOnlyPrivileges1765140000000,
  SharedIncidents1765140100000,
  EventTimeBoundsGuard1765150000000,
  IncidentStatsIndex1765200000000,
  HealthLastChange1765210000000,
];
