/**
 * What the network-ACL evaluator is asked (a flow) and what it answers (a decision per leg with its deciders),
 * and the Alibaba service addresses an ACL never filters ([N5], see nacl.ts).
 */
import type { AclEntry, HopId } from '../../model/index.js';
import type { PortSpan } from './addr-set.js';
import type { Coverage, FlowProtocol, HopDecision, PortRangeSpec, Reach } from './types.js';

export interface NaclFlow {
  /** inbound: the peer opens the connection to the instance; outbound: the instance opens it. */
  direction: 'inbound' | 'outbound';
  protocol: FlowProtocol;
  /** The service port: the instance's for inbound, the peer's for outbound. */
  port?: number;
  /** The remote side as a CIDR or address. */
  peer: string;
  /** CIDR of the instance's vSwitch: traffic inside it is not filtered [N5]. */
  vSwitchCidr?: string;
  /** Ephemeral source-port range of the side that opens the connection [N4]. */
  clientPorts?: PortRangeSpec;
  /** Where `clientPorts` comes from, for the detail (e.g. `the guest's net.ipv4.ip_local_port_range`). */
  clientPortsSource?: string;
}

export type NaclDecider =
  | { by: 'entry'; entry: AclEntry; index: number }
  | { by: 'default' }
  | { by: 'same-vswitch'; cidr: string }
  | { by: 'cloud-service' };

export interface NaclPart {
  decider: NaclDecider;
  policy: 'accept' | 'drop';
  addresses: string[];
  ports?: string;
}

export interface NaclShadow {
  entry: AclEntry;
  index: number;
  /** The earlier entry of the opposite policy that took (part of) its traffic. */
  by: NaclDecider;
}

export interface NaclLegDecision extends HopDecision {
  leg: 'forward' | 'return';
  hop: Extract<HopId, 'nacl-in' | 'nacl-out'>;
  /** Which entry list decides this leg. */
  list: 'ingress' | 'egress';
  reach: Reach;
  coverage: Coverage;
  /** Destination ports of this leg's packets (the service port, or the clients' ephemeral range). */
  ports?: PortSpan;
  decidedBy: NaclPart[];
  primary: NaclDecider;
  shadowed: NaclShadow[];
}

export interface NaclDecision {
  /** false: no network ACL is bound to the vSwitch (nothing to evaluate; both legs OK). */
  applicable: boolean;
  aclId?: string;
  forward: NaclLegDecision;
  return: NaclLegDecision;
}

/** [N5] Alibaba service addresses a network ACL never blocks. */
export const NACL_ALWAYS_ALLOWED = [
  '100.100.2.136/32',
  '100.100.2.138/32',
  '100.100.2.128/28',
  '100.100.2.112/28',
  '100.100.100.200/32',
];
