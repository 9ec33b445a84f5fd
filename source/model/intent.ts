/** What the operator wants to work: a flow, in one direction, with its return traffic checked too. */

export type Direction = 'inbound' | 'outbound' | 'internal';
export type IntentProtocol = 'tcp' | 'udp' | 'icmp';

export interface Intent {
  /** Stable id, e.g. `in-tcp-443-internet`, `out-tcp-443-internet`, `dns`. */
  id: string;
  direction: Direction;
  protocol: IntentProtocol;
  port?: number;
  /** Inbound / internal: the source as a CIDR (`0.0.0.0/0` for the internet, `/32` for one address). */
  from?: string;
  fromKind?: 'me' | 'internet' | 'cidr' | 'instance';
  fromInstanceId?: string;
  /** Outbound: destination address or CIDR (`0.0.0.0/0` for the internet); internal: the peer's private address. */
  to?: string;
  /** The name as given (`mirrors.aliyun.com`) when `to` was resolved from it. */
  toName?: string;
  toKind?: 'internet' | 'host' | 'instance' | 'dns';
  toInstanceId?: string;
  /** Human label: `tcp/443 from the internet`. */
  label: string;
}

/** The JSON shape of an intent in `check --json` (DESIGN.md §3). */
export function intentJson(i: Intent): Record<string, unknown> {
  const o: Record<string, unknown> = { id: i.id, direction: i.direction, protocol: i.protocol };
  if (i.port !== undefined) o.port = i.port;
  if (i.from !== undefined) o.from = i.from;
  if (i.fromKind !== undefined) o.fromKind = i.fromKind;
  if (i.fromInstanceId !== undefined) o.fromInstanceId = i.fromInstanceId;
  if (i.to !== undefined) o.to = i.to;
  if (i.toName !== undefined) o.toName = i.toName;
  if (i.toKind !== undefined) o.toKind = i.toKind;
  if (i.toInstanceId !== undefined) o.toInstanceId = i.toInstanceId;
  o.label = i.label;
  return o;
}
