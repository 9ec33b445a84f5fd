/**
 * Building guest state for real inside a namespace host: listeners, a second NIC, and an LSB init script
 * with a daemon it starts and stops. Everything lives in the namespace, its /etc/netns overlay or its
 * scratch directory, so closing the host removes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecResult, NsHost } from '../../support/netns.js';

/** Runs `script` in the namespace and throws with its stderr when it fails. */
export async function must(host: NsHost, script: string): Promise<ExecResult> {
  const r = await host.sh(script);
  if (r.code !== 0)
    throw new Error(`in ${host.name}: \`${script}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** Waits until something listens on tcp `port` in the namespace (or, with `listening` false, nothing does). */
export async function waitListening(host: NsHost, port: number, listening = true, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await host.sh(`ss -Hltn 'sport = :${port}'`);
    if (!!r.stdout.trim() === listening) return;
    if (Date.now() > deadline)
      throw new Error(
        `in ${host.name}: ${listening ? 'nothing listens' : 'something still listens'} on tcp/${port} after ${ms} ms`,
      );
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** A socat listener on `address:port` (killed when the host closes). */
export async function listen(host: NsHost, address: string, port: number): Promise<void> {
  host.spawn('socat', [`TCP4-LISTEN:${port},bind=${address},reuseaddr,fork`, 'EXEC:/bin/true']);
  await waitListening(host, port);
}

/**
 * A second NIC: a veth pair with both ends in the namespace (so it dies with it), `eth1` holding `cidr`, its
 * peer up so eth1 has carrier. Created after the namespace's eth0 was moved in, eth1 gets the lower ifindex,
 * so `ip addr` lists it first.
 */
export async function addSecondNic(host: NsHost, cidr: string): Promise<void> {
  await must(
    host,
    `ip link add eth1 type veth peer name eth1peer && ip addr add ${cidr} dev eth1 && ip link set eth1peer up && ip link set eth1 up`,
  );
}

/**
 * Gives the namespace its own /etc/init.d (an overlay under /etc/netns, mounted when a process is started with
 * `ip netns exec`): empty, or with the scripts given. Without it the namespace would see the machine's own
 * init scripts — Debian's /etc/init.d/ssh says "sshd is not running" because the test's sshd has no pid file.
 * Call before sshd starts: the overlay is mounted at exec time.
 */
export function privateInitD(host: NsHost, scripts: Record<string, string> = {}): void {
  const dir = join(host.etcDir, 'init.d');
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(dir, name), body, { mode: 0o755 });
}

/**
 * An LSB init script for service `name`: start-stop-daemon runs `socat` listening on tcp `port` as the daemon,
 * with its pid file in the host's scratch directory; `status` answers with the LSB codes (0 running, 1 dead
 * but the pid file is left, 3 not running). The daemon is socat because no web server is installed on the
 * test machine; what the collection reads (`service NAME status`) only sees the script and its pid file.
 */
export function lsbInitScript(host: NsHost, name: string, port: number): string {
  const pid = join(host.tmp, `${name}.pid`);
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${name}
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ${name} (netdoctor host-tier test daemon on tcp/${port})
### END INIT INFO
PIDFILE=${pid}
DAEMON=/usr/bin/socat
case "$1" in
start)
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" --exec "$DAEMON" -- TCP4-LISTEN:${port},reuseaddr,fork EXEC:/bin/true
  ;;
stop)
  start-stop-daemon --stop --quiet --retry 5 --remove-pidfile --pidfile "$PIDFILE" --exec "$DAEMON"
  ;;
status)
  start-stop-daemon --status --pidfile "$PIDFILE" --exec "$DAEMON"
  rc=$?
  if [ $rc -eq 0 ]; then echo "${name} is running"; else echo "${name} is not running"; fi
  exit $rc
  ;;
*)
  echo "Usage: /etc/init.d/${name} {start|stop|status}" >&2
  exit 3
  ;;
esac
`;
}
