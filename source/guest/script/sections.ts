/**
 * The collection script's sections: name, time budget and POSIX sh body. Bodies run as `sh -c` children
 * of the script (under `timeout` when the guest has it) with a few helpers defined (see collect.ts):
 *   t NAME     record which tool produced the section (fallbacks say so)
 *   h CMD      true when CMD is installed
 *   nf CMD…    report missing tools on stderr and exit 127
 *   i KEY…     start an item inside a section (one per interface, nameserver, binary, service)
 *   x KEY CMD… run CMD, then print an item header with its rc and ms, then its output
 *   g SECS CMD… run CMD under `timeout` when there is one
 * Everything here only reads: no section changes the guest.
 */

export interface SectionSpec {
  name: string;
  /** Seconds before the section is killed (it is then reported as a timeout; the others still run). */
  timeout: number;
  /** Runs in the background from the start (slow, independent: the DNS lookups). */
  background?: boolean;
  body: string;
}

/** Services looked at on every guest (besides the owners of listening sockets). */
export const WELL_KNOWN_SERVICES = [
  'sshd',
  'ssh',
  'nginx',
  'httpd',
  'apache2',
  'mysqld',
  'mysql',
  'mariadb',
  'redis',
  'redis-server',
  'docker',
  'firewalld',
  'ufw',
  'xinetd',
  'vsftpd',
  'php-fpm',
  'tomcat',
  'haproxy',
];

/** Ports an operator may name (`--port`) → the services that usually own them. */
export const PORT_SERVICES: Record<number, string[]> = {
  21: ['vsftpd'],
  22: ['sshd', 'ssh'],
  25: ['postfix', 'sendmail'],
  53: ['named', 'bind9', 'dnsmasq'],
  80: ['nginx', 'httpd', 'apache2'],
  443: ['nginx', 'httpd', 'apache2'],
  3306: ['mysqld', 'mysql', 'mariadb'],
  5432: ['postgresql'],
  6379: ['redis', 'redis-server'],
  8080: ['tomcat'],
  9000: ['php-fpm'],
  11211: ['memcached'],
  27017: ['mongod'],
};

export const NETWORK_SERVICES = ['NetworkManager', 'systemd-networkd', 'network', 'networking'];

export const SYSTEMCTL_PROPS =
  'Id,LoadState,ActiveState,SubState,MainPID,Result,ExecMainStatus,ActiveEnterTimestamp,InactiveEnterTimestamp,Description,ExecStart';

/** Kernel log lines worth reading for a network diagnosis (the parser classifies them). */
export const KERNEL_PATTERN =
  'table full|[Ll]ink is|NIC Link|link becomes ready|carrier|NETDEV WATCHDOG|timed out|[Rr]eset adapter|Tx Unit Hang|Out of memory|oom-kill|Killed process|SYN flooding|orphaned|martian|IN=.* OUT=';

/** Interfaces not worth an ethtool call (container plumbing, bridges); keeps big hosts fast. */
const SKIP_IFACES = 'lo|veth*|docker*|br-*|cali*|flannel*|cni*|virbr*|tun*|tap*|kube*|vxlan*|weave*|lxc*';

const LISTEN_PIDS = `if h ss; then P=$(ss -tulnp 2>/dev/null | grep -oE 'pid=[0-9]+|"[^"]*",[0-9]+' | grep -oE '[0-9]+$' | sort -u); elif h netstat; then P=$(netstat -tulnp 2>/dev/null | grep -oE ' [0-9]+/' | tr -d ' /' | sort -u); fi`;

export function sectionSpecs(o: {
  services: string[];
  lookupName: string;
  connectionCap: number;
}): SectionSpec[] {
  const svcList = o.services.join(' ');
  const netList = NETWORK_SERVICES.map((n) => `${n}.service`).join(' ');
  return [
    {
      name: 'system',
      timeout: 5,
      body: `t system
echo "hostname=$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname 2>/dev/null)"
echo "kernel=$(uname -r 2>/dev/null)"
echo "uid=$(id -u 2>/dev/null)"
read u r </proc/uptime 2>/dev/null && echo "uptime=$u"
if [ -r /etc/os-release ]; then cat /etc/os-release; elif [ -r /etc/redhat-release ]; then cat /etc/redhat-release; fi`,
    },
    {
      name: 'dns',
      timeout: 9,
      background: true,
      body: `N=${shellQuote(o.lookupName)}
x "system name=$N tool=getent" g 6 getent ahosts "$N" >"$ND_T/d0" &
k=1
for s in $(awk '$1=="nameserver"{print $2}' /etc/resolv.conf 2>/dev/null | head -n 3); do
if h nslookup; then x "server=$s name=$N tool=nslookup" g 5 nslookup -timeout=2 -retry=1 "$N" "$s" >"$ND_T/d$k" &
elif h dig; then x "server=$s name=$N tool=dig" g 5 dig +time=2 +tries=1 "@$s" "$N" A >"$ND_T/d$k" &
fi
k=$((k+1))
done
wait
t lookup
cat "$ND_T"/d[0-9]*`,
    },
    {
      name: 'ip-addr',
      timeout: 5,
      body: `h ip || nf ip
o=$(ip -j -d addr show 2>/dev/null)
case $o in '['*) t ip-json; printf '%s\\n' "$o";; *) t ip; ip addr show;; esac`,
    },
    {
      name: 'ip-link',
      timeout: 5,
      body: `h ip || nf ip
o=$(ip -j -d link show 2>/dev/null)
case $o in '['*) t ip-json; printf '%s\\n' "$o";; *) t ip; ip link show;; esac`,
    },
    {
      name: 'ip-route',
      timeout: 5,
      body: `h ip || nf ip
o=$(ip -4 -j route show table all 2>/dev/null)
case $o in '['*) t ip-json; printf '%s\\n' "$o";; *) t ip; ip -4 route show table all;; esac`,
    },
    {
      name: 'ip-route6',
      timeout: 5,
      body: `h ip || nf ip
o=$(ip -6 -j route show table all 2>/dev/null)
case $o in '['*) t ip-json; printf '%s\\n' "$o";; *) t ip; ip -6 route show table all;; esac`,
    },
    { name: 'ip-rule', timeout: 5, body: 'h ip || nf ip\nt ip\nip rule show' },
    { name: 'iptables-version', timeout: 5, body: 'h iptables || nf iptables\nt iptables\niptables -V' },
    {
      name: 'iptables',
      timeout: 8,
      body: `if h iptables-save; then t iptables-save; iptables-save -c
elif h iptables-legacy-save; then t iptables-legacy-save; iptables-legacy-save -c
else nf iptables-save; fi`,
    },
    {
      name: 'ip6tables',
      timeout: 8,
      body: `if h ip6tables-save; then t ip6tables-save; ip6tables-save -c
elif h ip6tables-legacy-save; then t ip6tables-legacy-save; ip6tables-legacy-save -c
else nf ip6tables-save; fi`,
    },
    {
      name: 'nft',
      timeout: 8,
      body: `h nft || nf nft
o=$(nft -j list ruleset 2>&1); r=$?
if [ $r -eq 0 ]; then t nft-json; printf '%s\\n' "$o"
elif printf '%s' "$o" | grep -qi json; then t nft; nft list ruleset
else printf '%s\\n' "$o" >&2; exit $r; fi`,
    },
    {
      name: 'sockets',
      timeout: 8,
      body: `if h ss; then t ss; ss -tulnpe
elif h netstat; then t netstat; netstat -tulnp
else nf ss netstat; fi`,
    },
    {
      name: 'connections',
      timeout: 8,
      body: `if h ss; then t ss; ss -tunp state connected | head -n ${o.connectionCap + 1}
elif h netstat; then t netstat; netstat -tunp | head -n ${o.connectionCap + 2}
else nf ss netstat; fi`,
    },
    {
      name: 'socket-states',
      timeout: 8,
      body: `if h ss; then t ss; ss -tan | awk 'NR>1{print $1}' | sort | uniq -c
elif h netstat; then t netstat; netstat -tan | awk 'NR>2{print $6}' | sort | uniq -c
else nf ss netstat; fi`,
    },
    {
      name: 'sockstat',
      timeout: 5,
      body: 't proc\ncat /proc/net/sockstat\ncat /proc/net/sockstat6 2>/dev/null\ntrue',
    },
    {
      name: 'services',
      timeout: 8,
      body: `W=${shellQuote(svcList)}
${LISTEN_PIDS}
U=""
for p in $P; do u=$(grep -oE '[^/]+[.]service' "/proc/$p/cgroup" 2>/dev/null | head -n 1); [ -n "$u" ] && U="$U $u"; done
if [ -d /run/systemd/system ] && h systemctl; then t systemctl; systemctl show --no-pager -p ${SYSTEMCTL_PROPS} $U $W
else t service
for n in $W; do
if [ -x "/etc/init.d/$n" ] && h service; then o=$(service "$n" status 2>&1); i "$n rc=$? via=service"; printf '%s\\n' "$o"
elif h "$n" && h pidof; then o=$(pidof "$n"); i "$n rc=$? via=pidof"; printf '%s\\n' "$o"; fi
done; fi`,
    },
    {
      name: 'network-services',
      timeout: 8,
      body: `if [ -d /run/systemd/system ] && h systemctl; then t systemctl; systemctl show --no-pager -p ${SYSTEMCTL_PROPS} ${netList}
else t service
for n in ${NETWORK_SERVICES.join(' ')}; do
if [ -x "/etc/init.d/$n" ] && h service; then o=$(service "$n" status 2>&1); i "$n rc=$? via=service"; printf '%s\\n' "$o"; fi
done; fi`,
    },
    {
      name: 'libwrap',
      timeout: 8,
      body: `h ldd || nf ldd
t ldd
${LISTEN_PIDS}
B=""
for p in $P; do b=$(readlink "/proc/$p/exe" 2>/dev/null) && B="$B \${b% (deleted)}"; done
S=" "
for b in /usr/sbin/sshd /usr/sbin/vsftpd /usr/sbin/xinetd $B; do
case "$S" in *" $b "*) continue;; esac; S="$S$b "
[ -x "$b" ] || continue
o=$(ldd "$b" 2>/dev/null | grep libwrap); i "$b rc=$?"; [ -n "$o" ] && printf '%s\\n' "$o"
done; true`,
    },
    {
      name: 'resolv',
      timeout: 5,
      body: 't cat\ni target\nreadlink -f /etc/resolv.conf 2>/dev/null || echo /etc/resolv.conf\ni content\ncat /etc/resolv.conf',
    },
    {
      name: 'hosts-allow',
      timeout: 5,
      body: 't cat\n[ -e /etc/hosts.allow ] || exit 0\ncat /etc/hosts.allow',
    },
    { name: 'hosts-deny', timeout: 5, body: 't cat\n[ -e /etc/hosts.deny ] || exit 0\ncat /etc/hosts.deny' },
    {
      name: 'conntrack',
      timeout: 5,
      body: `t proc
for f in /proc/sys/net/netfilter/nf_conntrack_count /proc/sys/net/netfilter/nf_conntrack_max /proc/sys/net/ipv4/netfilter/ip_conntrack_count /proc/sys/net/ipv4/netfilter/ip_conntrack_max; do
[ -r "$f" ] && echo "$f:$(cat "$f")"
done; true`,
    },
    {
      name: 'kernel-log',
      timeout: 6,
      body: `R=${shellQuote(KERNEL_PATTERN)}
if h dmesg && o=$(dmesg 2>&1); then t dmesg; printf '%s\\n' "$o" | grep -E "$R" | tail -n 200; exit 0; fi
e=$o
if h journalctl; then o=$(journalctl -k --no-pager -n 5000 2>&1); r=$?
case $o in *"not seeing messages"*|*"No journal files"*) r=1;; esac
if [ $r -eq 0 ]; then t journalctl; printf '%s\\n' "$o" | grep -E "$R" | tail -n 200; exit 0; fi
e="$e $o"; fi
printf '%s\\n' "\${e:-no dmesg and no journalctl}" >&2; exit 1`,
    },
    { name: 'netdev', timeout: 5, body: 't proc\ncat /proc/net/dev' },
    {
      name: 'ethtool',
      timeout: 8,
      body: `h ethtool || nf ethtool
t ethtool
n=0
for d in /sys/class/net/*; do f=\${d##*/}
case $f in ${SKIP_IFACES}) continue;; esac
n=$((n+1)); [ $n -gt 8 ] && break
o=$(ethtool "$f" 2>&1; ethtool -i "$f" 2>&1); i "$f rc=$?"; printf '%s\\n' "$o"
done; true`,
    },
    {
      name: 'sysctl',
      timeout: 5,
      body: `K="net.ipv4.ip_forward net.ipv4.ip_local_port_range net.ipv4.tcp_tw_reuse net.netfilter.nf_conntrack_max net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter"
n=0
for d in /proc/sys/net/ipv4/conf/*; do f=\${d##*/}
case $f in all|default|${SKIP_IFACES}) continue;; esac
n=$((n+1)); [ $n -gt 16 ] && break
K="$K net.ipv4.conf.$(printf '%s' "$f" | tr . /).rp_filter"
done
if h sysctl; then t sysctl; sysctl -e $K
else t proc; for k in $K; do p=/proc/sys/$(printf '%s' "$k" | tr . /); [ -r "$p" ] && echo "$p:$(cat "$p")"; done; true; fi`,
    },
  ];
}

/** Single-quotes a string for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
