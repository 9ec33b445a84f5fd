/**
 * The guest's own network configuration → the IPv4 addresses it gives each interface. The netconfig section
 * prints every file that configures addresses, each behind an `@@ND:ID:ITEM PATH` header: ifupdown
 * (/etc/network/interfaces, interfaces.d/*), netplan (/etc/netplan/*.yaml), RHEL ifcfg
 * (/etc/sysconfig/network-scripts/ifcfg-*), NetworkManager keyfiles (system-connections/*.nmconnection),
 * systemd-networkd (/etc/systemd/network/*.network) and the last DHCP leases (dhclient, systemd-networkd,
 * NetworkManager). Only what is applied at boot counts: an ifupdown stanza nobody marks `auto`/`allow-*`, an
 * ifcfg with ONBOOT=no or a keyfile with autoconnect=false says nothing about what the interface should hold.
 * Config files are printed from their start (line numbers are the file's); leases from their tail (the last
 * lease is at the end), so leases carry no line. IPv4 only.
 */
import type { ConfiguredAddress } from '../../model/index.js';
import { clip, lines, type Parsed, warn } from './common.js';
import {
  type Ctx,
  entry,
  globMatch,
  type IfaceRef,
  isIPv4,
  type NetconfigFile,
  normMac,
  resolveIface,
  splitCidr,
  unquote,
} from './netconfig-common.js';
import { parseNetplan } from './netconfig-netplan.js';

export type { IfaceRef, NetconfigFile } from './netconfig-common.js';

/** Splits the section's output into files; the header holds the whole path (a keyfile name may have spaces). */
export function splitNetconfigFiles(stdout: string, id?: string): NetconfigFile[] {
  const re = id
    ? new RegExp(`^@@ND:${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:ITEM (.+)$`)
    : /^@@ND:[^:\s]+:ITEM (.+)$/;
  const out: NetconfigFile[] = [];
  let cur: { path: string; body: string[] } | undefined;
  const finish = () => {
    if (!cur) return;
    while (cur.body.length && cur.body[cur.body.length - 1] === '') cur.body.pop();
    out.push({ path: cur.path, body: cur.body.join('\n') });
  };
  for (const line of lines(stdout)) {
    const m = re.exec(line);
    if (m) {
      finish();
      cur = { path: m[1].trim(), body: [] };
    } else cur?.body.push(line);
  }
  finish();
  return out;
}

// ---- ifupdown ---------------------------------------------------------------------------------------------

interface Stanza {
  name: string;
  method: string;
  file: string;
  addrs: { text: string; line: number }[];
  netmask?: string;
  gateway?: string;
  hwaddress?: string;
}

function ifupdownStanzas(f: NetconfigFile, auto: Set<string>): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | undefined;
  lines(f.body).forEach((raw, i) => {
    const t = raw.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (!t.length) return;
    const [k, ...rest] = t;
    if (k === 'auto' || k.startsWith('allow-')) {
      for (const n of rest) auto.add(n);
      cur = undefined;
    } else if (k === 'iface') {
      cur =
        rest[1] === 'inet' ? { name: rest[0], method: rest[2] ?? '', file: f.path, addrs: [] } : undefined;
      if (cur) out.push(cur);
    } else if (k === 'mapping' || k === 'source' || k === 'source-directory' || k === 'rename') {
      cur = undefined;
    } else if (cur) {
      if (k === 'address' && rest[0]) cur.addrs.push({ text: rest[0], line: i + 1 });
      else if (k === 'netmask' && rest[0]) cur.netmask = rest[0];
      else if (k === 'gateway' && rest[0]) cur.gateway = rest[0];
      else if (k === 'hwaddress' && rest[0]) cur.hwaddress = rest[rest.length - 1];
    }
  });
  return out;
}

function parseIfupdown(files: NetconfigFile[], ctx: Ctx): ConfiguredAddress[] {
  const auto = new Set<string>();
  const stanzas = files.flatMap((f) => ifupdownStanzas(f, auto));
  const out: ConfiguredAddress[] = [];
  for (const s of stanzas) {
    if (s.method !== 'static' || s.name === 'lo') continue;
    // Not brought up at boot (no auto / allow-hotplug line): its address is not expected on the interface.
    if (!auto.has(s.name)) continue;
    const iface = s.name.replace(/:.*$/, '');
    for (const a of s.addrs) {
      const c = splitCidr(a.text, s.netmask);
      if (!c) {
        if (!a.text.includes(':'))
          warn(ctx.warnings, `${s.file} line ${a.line}: not an address: ${clip(a.text)}`);
        continue;
      }
      const base = {
        iface,
        source: 'ifupdown' as const,
        file: s.file,
        line: a.line,
        method: 'static' as const,
      };
      out.push(entry({ ...base, gateway: s.gateway, mac: s.hwaddress && normMac(s.hwaddress) }, c, ctx));
    }
  }
  return out;
}

// ---- RHEL ifcfg ---------------------------------------------------------------------------------------------

function parseIfcfg(f: NetconfigFile, ctx: Ctx): ConfiguredAddress[] {
  const kv = new Map<string, { v: string; line: number }>();
  lines(f.body).forEach((raw, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (m) kv.set(m[1].toUpperCase(), { v: unquote(m[2].replace(/\s+#.*$/, '')), line: i + 1 });
  });
  const get = (k: string) => kv.get(k)?.v;
  const proto = (get('BOOTPROTO') ?? 'none').toLowerCase();
  if (proto === 'dhcp' || proto === 'bootp' || (get('ONBOOT') ?? 'yes').toLowerCase() === 'no') return [];
  const fileName = /ifcfg-(.+)$/.exec(f.path)?.[1];
  const mac = get('HWADDR') ? normMac(get('HWADDR')!) : undefined;
  const iface = get('DEVICE') || (mac ? resolveIface(ctx, { mac }) : fileName) || '';
  if (iface === 'lo') return [];
  const out: ConfiguredAddress[] = [];
  for (const n of ['', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
    const a = kv.get(`IPADDR${n}`);
    if (!a?.v) continue;
    const mask =
      get(`PREFIX${n}`) ?? get(`NETMASK${n}`) ?? (n === '' ? undefined : (get('PREFIX') ?? get('NETMASK')));
    const c = splitCidr(a.v, mask);
    if (!c) {
      warn(ctx.warnings, `${f.path} line ${a.line}: not an IPv4 address: ${clip(a.v)}`);
      continue;
    }
    const gateway = get(`GATEWAY${n}`) ?? (n === '' || n === '0' ? get('GATEWAY') : undefined);
    out.push(
      entry({ iface, source: 'ifcfg', file: f.path, line: a.line, method: 'static', gateway, mac }, c, ctx),
    );
  }
  return out;
}

// ---- INI files: NetworkManager keyfiles, systemd-networkd .network ----------------------------------------

interface IniValue {
  section: string;
  /** Counts section headers, so two `[Route]` sections stay apart. */
  n: number;
  key: string;
  value: string;
  line: number;
}

function ini(body: string): IniValue[] {
  const out: IniValue[] = [];
  let section = '';
  let n = 0;
  lines(body).forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) return;
    const s = /^\[(.+)\]$/.exec(t);
    if (s) {
      section = s[1].trim();
      n++;
    } else {
      const eq = t.indexOf('=');
      if (eq > 0)
        out.push({ section, n, key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim(), line: i + 1 });
    }
  });
  return out;
}

function parseNmKeyfile(f: NetconfigFile, ctx: Ctx): ConfiguredAddress[] {
  const vals = ini(f.body);
  const get = (sec: string, key: string) => vals.find((v) => v.section === sec && v.key === key)?.value;
  if (get('connection', 'autoconnect') === 'false') return [];
  const method = get('ipv4', 'method') ?? 'auto';
  if (method === 'disabled' || method === 'link-local' || method === 'shared') return [];
  const macRaw = get('ethernet', 'mac-address') ?? get('802-3-ethernet', 'mac-address');
  const mac = macRaw ? normMac(macRaw) : undefined;
  const name = get('connection', 'interface-name') ?? get('match', 'interface-name');
  const iface = resolveIface(ctx, { name: name && !/[*?[]/.test(name) ? name : undefined, mac });
  const gw = get('ipv4', 'gateway');
  const out: ConfiguredAddress[] = [];
  for (const v of vals) {
    if (v.section !== 'ipv4' || !/^address(es)?\d*$/.test(v.key)) continue;
    // address1=A/N[,GW]; the old addresses1=A;N;GW; form too.
    const [cidr, gwHere] = v.value.includes(';')
      ? [`${v.value.split(';')[0]}/${v.value.split(';')[1]}`, v.value.split(';')[2]]
      : v.value.split(',');
    const c = splitCidr(cidr);
    if (!c) {
      warn(ctx.warnings, `${f.path} line ${v.line}: not an IPv4 address: ${clip(v.value)}`);
      continue;
    }
    const gateway = gwHere?.trim() || gw;
    out.push(
      entry({ iface, source: 'nm', file: f.path, line: v.line, method: 'static', gateway, mac }, c, ctx),
    );
  }
  return out;
}

/** One .network file: the interface it matches ('' when none) and the addresses it gives it. */
function parseNetworkd(f: NetconfigFile, ctx: Ctx): { iface: string; entries: ConfiguredAddress[] } {
  const vals = ini(f.body);
  const match = (key: string) =>
    vals.filter((v) => v.section === 'Match' && v.key === key).flatMap((v) => v.value.split(/\s+/));
  const names = match('Name');
  const macs = [...match('MACAddress'), ...match('PermanentMACAddress')].map(normMac);
  let iface = '';
  if (names.length === 1 && !/[*?[]/.test(names[0])) iface = names[0];
  else if (names.length) iface = ctx.ifaces.find((i) => names.some((g) => globMatch(g, i.name)))?.name ?? '';
  else if (macs.length) iface = resolveIface(ctx, { mac: macs[0] });
  // The default gateway: [Network] Gateway=, or a [Route] with a Gateway and no Destination (or 0.0.0.0/0).
  let gateway = vals.find((v) => v.section === 'Network' && v.key === 'Gateway' && isIPv4(v.value))?.value;
  for (const n of new Set(vals.filter((v) => v.section === 'Route').map((v) => v.n))) {
    const r = vals.filter((v) => v.n === n);
    const gw = r.find((v) => v.key === 'Gateway')?.value;
    const dst = r.find((v) => v.key === 'Destination')?.value;
    if (gw && isIPv4(gw) && (!dst || dst === '0.0.0.0/0')) gateway ??= gw;
  }
  const entries: ConfiguredAddress[] = [];
  for (const v of vals) {
    if (v.key !== 'Address' || (v.section !== 'Network' && v.section !== 'Address')) continue;
    const c = splitCidr(v.value);
    if (!c) {
      if (!v.value.includes(':'))
        warn(ctx.warnings, `${f.path} line ${v.line}: not an address: ${clip(v.value)}`);
      continue;
    }
    const base = {
      iface,
      source: 'networkd' as const,
      file: f.path,
      line: v.line,
      method: 'static' as const,
    };
    entries.push(entry({ ...base, gateway, mac: macs[0] }, c, ctx));
  }
  return { iface, entries };
}

// ---- DHCP leases --------------------------------------------------------------------------------------------

/** `dhclient.eth0.leases`, `dhclient--eth0.lease`, `dhclient-UUID-eth0.lease`, `internal-UUID-eth0.lease` → eth0. */
function leaseIfaceFromPath(path: string): string | undefined {
  const base = path.replace(/^.*\//, '');
  const m =
    /^dhclient\.(.+)\.leases?$/.exec(base) ??
    /^(?:dhclient|internal)-(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?-(.+)\.leases?$/i.exec(
      base,
    );
  return m?.[1];
}

function parseDhclientLeases(f: NetconfigFile, ctx: Ctx): ConfiguredAddress[] {
  // The last complete `lease { … }` block per interface: dhclient appends, so the newest is last.
  const last = new Map<string, ConfiguredAddress>();
  let block: Record<string, string> | undefined;
  for (const raw of lines(f.body)) {
    const t = raw.trim();
    if (/^lease\s*\{/.test(t)) block = {};
    else if (t === '}' && block) {
      const iface = block.interface ?? leaseIfaceFromPath(f.path) ?? '';
      const c = block['fixed-address']
        ? splitCidr(block['fixed-address'], block['option subnet-mask'])
        : undefined;
      if (c) {
        const gateway = block['option routers']?.split(',')[0]?.trim();
        last.set(
          iface,
          entry({ iface, source: 'dhcp-lease', file: f.path, method: 'dhcp', gateway }, c, ctx),
        );
      } else if (block['fixed-address'])
        warn(ctx.warnings, `${f.path}: lease with a bad fixed-address: ${clip(block['fixed-address'])}`);
      block = undefined;
    } else if (block) {
      const m = /^(option\s+\S+|\S+)\s+(.*?);?$/.exec(t);
      if (m) block[m[1].replace(/\s+/, ' ')] = unquote(m[2]);
    }
  }
  return [...last.values()];
}

/** systemd's lease file (networkd `/run/systemd/netif/leases/IFINDEX`, NetworkManager's internal client). */
function parseSdLease(f: NetconfigFile, ctx: Ctx): ConfiguredAddress[] {
  const kv = new Map<string, string>();
  for (const raw of lines(f.body)) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(raw.trim());
    if (m) kv.set(m[1], m[2]);
  }
  const addr = kv.get('ADDRESS');
  if (!addr) return [];
  const c = splitCidr(addr, kv.get('NETMASK'));
  if (!c) {
    warn(ctx.warnings, `${f.path}: lease with a bad ADDRESS: ${clip(addr)}`);
    return [];
  }
  const index = /\/netif\/leases\/(\d+)$/.exec(f.path)?.[1];
  const iface = index ? resolveIface(ctx, { index: Number(index) }) : (leaseIfaceFromPath(f.path) ?? '');
  const gateway = kv.get('ROUTER')?.split(/\s+/)[0];
  return [entry({ iface, source: 'dhcp-lease', file: f.path, method: 'dhcp', gateway }, c, ctx)];
}

// ---- all files --------------------------------------------------------------------------------------------

export function parseNetconfig(files: NetconfigFile[], ifaces: IfaceRef[] = []): Parsed<ConfiguredAddress[]> {
  const ctx: Ctx = { ifaces, warnings: [] };
  const out: ConfiguredAddress[] = [];
  const ifupdown = files.filter((f) => f.path.startsWith('/etc/network/interfaces'));
  out.push(...parseIfupdown(ifupdown, ctx));
  const networkdSeen = new Set<string>();
  for (const f of files) {
    const p = f.path;
    if (p.startsWith('/etc/network/interfaces')) continue;
    if (p.startsWith('/etc/netplan/')) out.push(...parseNetplan(f, ctx));
    else if (/\/ifcfg-[^/]+$/.test(p)) out.push(...parseIfcfg(f, ctx));
    else if (p.startsWith('/etc/NetworkManager/system-connections/')) out.push(...parseNmKeyfile(f, ctx));
    else if (p.endsWith('.network')) {
      // networkd applies the first matching file (in lexical order) and ignores the rest for that link.
      const got = parseNetworkd(f, ctx);
      if (got.iface && networkdSeen.has(got.iface)) continue;
      if (got.iface) networkdSeen.add(got.iface);
      out.push(...got.entries);
    } else if (/lease/.test(p)) {
      out.push(...(/^\s*lease\s*\{/m.test(f.body) ? parseDhclientLeases(f, ctx) : parseSdLease(f, ctx)));
    } else warn(ctx.warnings, `${p}: not a network configuration file netdoctor reads`);
  }
  return { value: out, warnings: ctx.warnings };
}

const SECRET_KEY = /psk|pass|secret|private|preshared|wep-key/i;

/**
 * Keyfiles, netplan and ifupdown files can hold Wi-Fi, 802.1x or WireGuard secrets: their values are blanked
 * before the text is kept as evidence (lines stay, so line numbers still point at the same place).
 */
export function scrubNetconfigSecrets(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:-\s*)?["']?)([\w.-]+)(["']?(?:\s*[=:]\s*|\s+))(\S.*)$/.exec(line);
      if (!m || !(SECRET_KEY.test(m[2]) || /^(pin|shared|key)$/i.test(m[2]))) return line;
      return `${m[1]}${m[2]}${m[3]}…`;
    })
    .join('\n');
}
