/**
 * netplan (/etc/netplan/*.yaml, what cloud-init writes on Ubuntu): the static `addresses` of each ethernet,
 * bond, bridge or VLAN, with the line of each address. A definition names its interface by `set-name`, by
 * `match` (name or macaddress), or, without `match`, by its own id. DHCP (`dhcp4: true`) gives no address here:
 * the lease does.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import type { ConfiguredAddress } from '../../model/index.js';
import { clip, warn } from './common.js';
import {
  type Ctx,
  globMatch,
  isIPv4,
  type NetconfigFile,
  resolveIface,
  splitCidr,
} from './netconfig-common.js';

const KINDS = ['ethernets', 'bonds', 'bridges', 'vlans'];

interface Def {
  'set-name'?: unknown;
  match?: { name?: unknown; macaddress?: unknown };
  gateway4?: unknown;
  routes?: { to?: unknown; via?: unknown }[];
}

function ifaceOf(id: string, def: Def, ctx: Ctx): string {
  if (typeof def['set-name'] === 'string') return def['set-name'];
  const m = def.match;
  if (!m) return id;
  if (typeof m.name === 'string')
    return /[*?[]/.test(m.name)
      ? (ctx.ifaces.find((i) => globMatch(m.name as string, i.name))?.name ?? '')
      : m.name;
  if (typeof m.macaddress === 'string') return resolveIface(ctx, { mac: m.macaddress });
  return '';
}

function gatewayOf(def: Def): string | undefined {
  if (typeof def.gateway4 === 'string' && isIPv4(def.gateway4)) return def.gateway4;
  for (const r of Array.isArray(def.routes) ? def.routes : []) {
    if ((r?.to === 'default' || r?.to === '0.0.0.0/0') && typeof r.via === 'string' && isIPv4(r.via))
      return r.via;
  }
  return undefined;
}

export function parseNetplan(f: NetconfigFile, ctx: Ctx): ConfiguredAddress[] {
  const lc = new LineCounter();
  const doc = parseDocument(f.body, { lineCounter: lc, uniqueKeys: false });
  if (doc.errors.length) {
    warn(ctx.warnings, `${f.path}: not valid YAML: ${clip(doc.errors[0].message.split('\n')[0])}`);
    return [];
  }
  const network = doc.get('network');
  if (!isMap(network)) return [];
  const out: ConfiguredAddress[] = [];
  for (const kind of KINDS) {
    const defs = network.get(kind);
    if (!isMap(defs)) continue;
    for (const pair of defs.items) {
      const id = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!isMap(pair.value)) continue;
      const node = pair.value as YAMLMap;
      const def = node.toJSON() as Def;
      const iface = ifaceOf(id, def, ctx);
      const gateway = gatewayOf(def);
      const mac = typeof def.match?.macaddress === 'string' ? def.match.macaddress.toLowerCase() : undefined;
      const addrs = node.get('addresses', true);
      if (!isSeq(addrs)) continue;
      for (const item of addrs.items) {
        // An item is `A/N`, or a map `A/N: {label: …, lifetime: …}`.
        const keyNode = isMap(item) ? item.items[0]?.key : item;
        const text = isScalar(keyNode) ? String(keyNode.value) : '';
        const at = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
        const c = splitCidr(text);
        if (!c || c.prefixLen === undefined) {
          if (!text.includes(':'))
            warn(ctx.warnings, `${f.path}: not an address with a prefix: ${clip(text)}`);
          continue;
        }
        const e: ConfiguredAddress = {
          iface,
          address: c.address,
          prefixLen: c.prefixLen,
          source: 'netplan',
          file: f.path,
          method: 'static',
        };
        if (at !== undefined) e.line = lc.linePos(at).line;
        if (gateway) e.gateway = gateway;
        if (mac) e.mac = mac;
        out.push(e);
      }
    }
  }
  return out;
}
