/**
 * The simulated region's state: what a scenario file describes once loaded and normalised.
 * Cloud resources reuse the model types; the sim renders them into the official API shapes.
 * The guest is described at the level of the real system (iptables-save text, sockets, services),
 * and rendered into the exact output of the real tools, so the production parsers read it.
 * Everything here is mutable: write actions and guest-side fixes change the world.
 */
import type {
  AssistantStatus,
  AuditEvent,
  Eip,
  FindingCode,
  HopId,
  Instance,
  NatGateway,
  NetworkAcl,
  RouteTable,
  SecurityGroup,
  VSwitch,
} from '../model/index.js';

export interface WorldVpc {
  id: string;
  cidr: string;
  name?: string;
}

/**
 * A generated CloudMonitor series: `base ± jitter`, with optional steps at given offsets. The key it is stored
 * under in `WorldInstance.metrics` is the metric name, optionally followed by `#variant` so that one metric can
 * have several series with different `dims` (e.g. `net_tcpconnection#estab` with dims {state: ESTABLISHED}).
 */
export interface MetricSpec {
  base: number;
  jitter?: number;
  /** From `at` (negative ms offset from the world's `epoch`) on, the value becomes `value`. */
  steps?: { at: number; value: number }[];
  unit?: string;
  dims?: Record<string, string>;
}

export interface GuestSocketSpec {
  proto: 'tcp' | 'udp';
  /** `0.0.0.0:22`, `[::]:22`, `127.0.0.1:8080`. */
  local: string;
  peer?: string;
  state: string;
  process?: string;
  pid?: number;
  fd?: number;
}

export interface GuestServiceSpec {
  /** Unit name without `.service`. */
  name: string;
  active: 'active' | 'inactive' | 'failed' | string;
  sub?: string;
  result?: string;
  mainPid?: number;
  binary?: string;
  libwrap?: boolean;
  description?: string;
  /** Listening sockets the service holds while active (they vanish when it is not). */
  listen?: string[];
  /** For a loopback-only listener: the config line that binds it (shown, never edited). */
  configLine?: { path: string; line: number; text: string };
  since?: string;
}

export interface GuestInterfaceSpec {
  name: string;
  mac?: string;
  mtu?: number;
  up: boolean;
  carrier?: boolean;
  /** CIDR notation: `172.16.1.10/24`. */
  addresses: string[];
  speedMbps?: number;
  /**
   * What the guest's network configuration gives this interface, when it differs from what it holds (a static
   * config not applied, a DHCP lease the interface lost). Default: DHCP, with `addresses` as the last lease.
   * Rendered the way the image writes it (source/sim/guest/render/netconfig.ts).
   */
  configured?: GuestConfiguredSpec;
}

export interface GuestConfiguredSpec {
  /** DHCP (the last lease holds the address) or a static config file. */
  method: 'dhcp' | 'static';
  /** CIDRs the configuration gives (a lease: the first IPv4 one). */
  addresses: string[];
  /** The default gateway it names (default: the world's default route when it leaves through this interface). */
  gateway?: string;
  /** The MAC a static config file is bound to (ifcfg HWADDR, netplan match); default: the interface's own. */
  mac?: string;
}

export interface GuestRouteSpec {
  /** `default` or a CIDR. */
  dst: string;
  via?: string;
  dev?: string;
  proto?: string;
  scope?: string;
  metric?: number;
  src?: string;
  type?: string;
  table?: string;
}

export interface GuestWorld {
  hostname: string;
  /** Image family; decides tool flavours (e.g. centos7 has iptables-legacy and netstat). */
  os: 'alinux3' | 'centos7' | 'ubuntu22' | 'debian12' | string;
  kernel?: string;
  interfaces: GuestInterfaceSpec[];
  routes: GuestRouteSpec[];
  /** Firewall: iptables-save text (v4/v6) or an nft JSON ruleset (`nft -j list ruleset`). */
  firewall: {
    backend: 'iptables-legacy' | 'iptables-nft' | 'nftables' | 'none';
    iptables?: string;
    ip6tables?: string;
    nft?: unknown;
  };
  sockets: GuestSocketSpec[];
  /**
   * Bulk connections for scale scenarios. Inbound (the default): `count` sockets to `localPort` from many
   * clients. Outbound (`peer` set): `count` sockets from this guest to one upstream `host:port`, each on its own
   * local port taken from `net.ipv4.ip_local_port_range` (minus reserved and used ports), as connect() does.
   */
  connections?: {
    count: number;
    localPort?: number;
    peer?: string;
    state?: string;
    process?: string;
    pid?: number;
  }[];
  services: GuestServiceSpec[];
  networkServices: GuestServiceSpec[];
  resolvConf: string;
  /**
   * What the guest's resolver can do: whether its nameservers answer at all, the names it resolves, and the
   * response code for every other name (NXDOMAIN by default; SERVFAIL for a resolver whose upstream is broken,
   * REFUSED for one that does not serve this client).
   */
  dns: {
    reachable: boolean;
    answers: Record<string, string[]>;
    failure?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  };
  hostsAllow: string;
  hostsDeny: string;
  conntrack: { count: number; max: number };
  kernelLog: string[];
  sysctls: Record<string, string>;
  /** Per-interface traffic in bytes/s (counters are generated from it and the clock). */
  traffic: Record<string, { rxBps: number; txBps: number; rxDropPs?: number; txDropPs?: number }>;
  /** Tools missing from the image (to exercise fallbacks): e.g. ['ss', 'ip-json', 'iptables-save', 'systemctl']. */
  missingTools?: string[];
  /** Locale of command output when not forced to C (exercise non-English output). */
  locale?: string;
  /** Sections that fail with a permission error (e.g. run as non-root). */
  deniedSections?: string[];
}

export interface WorldInstance extends Instance {
  assistant: AssistantStatus & { errorCode?: string };
  guest?: GuestWorld;
  metrics?: Record<string, MetricSpec>;
  /** SSH reachable through the simulator (false: SSH handshake refused, forcing Cloud Assistant). */
  sshUp?: boolean;
}

export interface ThrottleSpec {
  /** Calls per second allowed for the action; excess gets Throttling.User. */
  qps: number;
}

export interface ErrorSpec {
  /** Action name, or `*`. */
  action: string;
  status: number;
  /**
   * `json` (Alibaba error body with code), `html` (a proxy's 502 page), `json-200` (HTTP 200 whose body carries
   * Code/Success false) or `reset` (the connection is destroyed before any answer).
   */
  body: 'json' | 'html' | 'json-200' | 'reset';
  code?: string;
  message?: string;
  /** How many calls fail before the action recovers (omit: always). */
  times?: number;
}

export interface Faults {
  /** Injected latency per API call, ms. */
  latencyMs?: number;
  /** Per action latency override, ms. */
  actionLatencyMs?: Record<string, number>;
  throttle?: Record<string, ThrottleSpec>;
  errors?: ErrorSpec[];
  /** Injected latency per SSH round trip (channel open + exec), ms. */
  sshLatencyMs?: number;
  /** How long asynchronous state changes take (Starting → Running, Associating → InUse), ms. Default 1000. */
  transitionMs?: number;
  /** How long a Cloud Assistant invocation stays Running before its result is ready, ms. Default 200. */
  assistantRunMs?: number;
}

export interface ScenarioExpect {
  codes: FindingCode[];
  /** Codes that must not appear. */
  absent?: FindingCode[];
  exit?: number;
  /** The first BLOCKED hop of the given intent (default: the first intent) and what it names. */
  blocked?: { intent?: string; hop: HopId; resource?: string; rule?: string };
}

export interface World {
  name: string;
  title: string;
  description?: string;
  region: string;
  account: { id: string; accessKeyId: string; accessKeySecret: string; userName?: string };
  /** Instance a command without TARGET looks at. */
  target: string;
  /** The operator's egress address as the echo endpoint reports it. */
  operator: { ip: string };
  /** Intents the scenario is about (check's defaults when none are given on the command line). */
  intents?: string[];
  /** RAM actions denied to the scenario's key (`ecs:RunCommand`): they get Forbidden.RAM. */
  deny: string[];
  faults: Faults;
  expect: ScenarioExpect;
  vpcs: WorldVpc[];
  vswitches: VSwitch[];
  routeTables: RouteTable[];
  networkAcls: NetworkAcl[];
  natGateways: NatGateway[];
  securityGroups: SecurityGroup[];
  eips: Eip[];
  instances: WorldInstance[];
  /** Absolute times (epoch ms) once loaded; scenario files give offsets like `-25m`. */
  events: AuditEvent[];
  /** The internet as the world sees it: hosts the guest can reach outbound (`host:port`). */
  internet: { reachable: string[]; dns: Record<string, string[]> };
  /**
   * Epoch ms the scenario's relative times were resolved against (its "now" at load time). Metric steps are
   * offsets from it, so an incident stays at a fixed moment while the demo runs.
   */
  epoch?: number;
  /** The scenario file the world was loaded from (absent for worlds built in code). */
  file?: string;
}
