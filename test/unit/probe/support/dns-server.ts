/**
 * A small real DNS server for tests (node:dgram, RFC 1035 wire format) on loopback: answers A/AAAA records
 * from a zone, NXDOMAIN for names it does not know, a chosen RCODE (SERVFAIL, REFUSED), or stays silent.
 */
import dgram from 'node:dgram';
import { parseIp } from '../../../../source/net/ip.js';

const A = 1;
const AAAA = 28;

export interface Zone {
  [name: string]: { a?: string[]; aaaa?: string[]; rcode?: number; silent?: boolean };
}

export function readName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = off;
  while (msg[i] !== 0) {
    const len = msg[i];
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function v6bytes(ip: string): Buffer {
  const v = parseIp(ip);
  if (v?.family !== 6) throw new Error(`${ip} is not an IPv6 address`);
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(v.value >> 64n, 0);
  b.writeBigUInt64BE(v.value & 0xffffffffffffffffn, 8);
  return b;
}

/** Answers one query from the zone; undefined = stay silent. */
function answer(query: Buffer, zone: Zone): Buffer | undefined {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const entry = zone[name];
  if (entry?.silent) return undefined;
  const rcode = entry ? (entry.rcode ?? 0) : 3;
  const rdatas =
    rcode === 0
      ? qtype === A
        ? (entry?.a ?? []).map((ip) => Buffer.from(ip.split('.').map(Number)))
        : qtype === AAAA
          ? (entry?.aaaa ?? []).map(v6bytes)
          : []
      : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2); // QR, RD, RA, RCODE
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const question = query.subarray(12, end + 4);
  const answers = rdatas.map((rd) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rd.length, 10);
    return Buffer.concat([rr, rd]);
  });
  return Buffer.concat([header, question, ...answers]);
}

export function startDns(
  zone: Zone,
  host = '127.0.0.1',
): Promise<{ socket: dgram.Socket; server: string; queries: string[] }> {
  return new Promise((resolve) => {
    const queries: string[] = [];
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => {
      queries.push(readName(msg, 12).name);
      const reply = answer(msg, zone);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    socket.bind(0, host, () => {
      const port = socket.address().port;
      resolve({ socket, server: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, queries });
    });
  });
}
