/**
 * A nameserver for namespace hosts, bound in the root namespace on the host's peer address (udp/53), so the
 * guest's resolv.conf can point at a server the test owns instead of anything outside the machine.
 *
 * `answer` speaks just enough RFC 1035 for glibc (getent) and bind9's nslookup: every A question gets one A
 * record, every other type an empty NOERROR answer (NODATA), so AAAA lookups end at once. `silent` reads the
 * queries and never answers: to the guest, a resolver that is gone (queries time out).
 */
import { createSocket, type Socket } from 'node:dgram';

export interface DnsServer {
  /** Queries received (both modes), as `NAME TYPE`. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_NAMES: Record<number, string> = { 1: 'A', 28: 'AAAA', 5: 'CNAME', 15: 'MX', 16: 'TXT' };

/** The question of a query: its name, type, and where the question section ends. */
function question(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let o = 12;
  while (o < msg.length && msg[o] !== 0) {
    const len = msg[o];
    // Compression pointers never appear in a question a resolver sends.
    if (len > 63 || o + 1 + len > msg.length) return undefined;
    labels.push(msg.subarray(o + 1, o + 1 + len).toString('latin1'));
    o += 1 + len;
  }
  if (o + 5 > msg.length) return undefined;
  return { name: labels.join('.'), type: msg.readUInt16BE(o + 1), end: o + 5 };
}

function reply(msg: Buffer, q: { type: number; end: number }, address: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
  // QR, the query's opcode and RD, RA; rcode NOERROR.
  header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x7900) | 0x0080, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const answers: Buffer[] = [];
  if (q.type === TYPE_A) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question's
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(60, 6); // TTL
    rr.writeUInt16BE(4, 10);
    address.split('.').forEach((b, i) => {
      rr[12 + i] = Number(b);
    });
    answers.push(rr);
  }
  header.writeUInt16BE(answers.length, 6); // ANCOUNT
  return Buffer.concat([header, msg.subarray(12, q.end), ...answers]);
}

/** Serves `bind`:53 until closed. `answerWith` is the A record every name resolves to. */
export async function startDnsServer(
  bind: string,
  mode: 'answer' | 'silent',
  answerWith = '198.19.255.10',
): Promise<DnsServer> {
  const sock: Socket = createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const q = question(msg);
    if (!q) return;
    queries.push(`${q.name} ${TYPE_NAMES[q.type] ?? q.type}`);
    if (mode === 'silent') return;
    sock.send(reply(msg, q, answerWith), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(53, bind, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return {
    queries,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
