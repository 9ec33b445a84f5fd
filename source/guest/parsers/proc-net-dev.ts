/** /proc/net/dev: two header lines, then `iface: 8 receive counters 8 transmit counters`. */
import type { NetDevCounters } from '../../model/index.js';
import { clip, fields, lines, type Parsed, toInt, warn } from './common.js';

export function parseProcNetDev(text: string): Parsed<NetDevCounters[]> {
  const warnings: string[] = [];
  const out: NetDevCounters[] = [];
  for (const line of lines(text)) {
    if (/^\s*Inter-|^\s*face\s*\|/.test(line) || !line.trim()) continue;
    const i = line.indexOf(':');
    if (i < 0) {
      warn(warnings, `/proc/net/dev: unreadable line: ${clip(line)}`);
      continue;
    }
    const iface = line.slice(0, i).trim();
    // Old kernels glue big counters to the colon (`eth0:1234567`): split after it, not on blanks.
    const n = fields(line.slice(i + 1)).map((x) => toInt(x));
    if (!iface || n.length < 16 || n.slice(0, 16).some((x) => x === undefined)) {
      warn(warnings, `/proc/net/dev: short or unreadable counters for ${clip(iface || line, 40)}`);
      continue;
    }
    const v = n as number[];
    out.push({
      iface,
      rxBytes: v[0],
      rxPackets: v[1],
      rxErrs: v[2],
      rxDrop: v[3],
      txBytes: v[8],
      txPackets: v[9],
      txErrs: v[10],
      txDrop: v[11],
    });
  }
  return { value: out, warnings };
}
