/**
 * The collection script's sections: name, time budget and POSIX sh body, and the lanes they run in. A body is
 * sourced in a subshell inside a lane (collect.ts): one `sh -c` child, under `timeout` when the guest has it,
 * that runs its steps one after another while the other lanes run at the same time. Helpers every body sees:
 *   t NAME     record which tool produced the section (fallbacks say so)
 *   h CMD      true when CMD is installed
 *   nf CMD…    report missing tools on stderr and exit 127
 *   i KEY…     start an item inside a section (one per interface, nameserver, binary, service)
 *   x KEY CMD… run CMD, then print an item header with its rc and ms, then its output
 *   g SECS CMD… run CMD under `timeout` when there is one
 *   pl TEXT    print TEXT and a newline, as it is (echo would expand backslashes under dash)
 *   j ARGS [TEXT-ARGS]  `ip -j ARGS` when this ip prints JSON, else `ip TEXT-ARGS` (default ARGS)
 *   p FILE [N] print a small file (its first N lines) without starting a process (the read builtin)
 *   pa FILE…   p each FILE that exists (a glob of a body's scratch files)
 *   pp         set P to the pids that own listening sockets: read from the sockets section's output when it
 *              has run (it lists them already), else from one ss or netstat, cut by the shell
 *   sv PFX N…  `service N status` (and, for PFX sv, `pidof N`) for each N at once, printed as items in order
 * $ND_T is the run's private temporary directory; a body's own scratch files there carry a prefix of its
 * own (d, sv, nv, et). Bodies avoid a process per trivial value: /etc and /proc files are read with the read
 * builtin (not /proc/sys: see p), and text is cut with parameter expansion rather than grep, tr or awk.
 * Everything here only reads: no section changes the guest.
 */

export interface SectionSpec {
  name: string;
  /** Seconds before the section is killed (it is then reported as a timeout; the others still run). */
  timeout: number;
  /** Runs in a lane of its own, started before all others (slow, independent: the DNS lookups). */
  background?: boolean;
  body: string;
}

/**
 * How the sections share child shells. Each string is a lane, started in this order; its steps (separated by
 * spaces) run one after another, and the sections of one step (joined by +) at the same time. One lane costs
 * two process starts (timeout, sh), so cheap sections share; slow ones overlap. services and libwrap read the
 * listening pids from the sockets section's output instead of running ss -p again (it walks every process's
 * file descriptors), so they come after it; socket-states counts from the ss that connections ran.
 * A section in no lane gets one of its own.
 */
export const LANES = [
  'sockets services+libwrap+network-services',
  'connections socket-states',
  'iptables-version iptables ip6tables nft',
  'ip-addr ip-link ip-route ip-route6 ip-rule netconfig',
  'kernel-log ethtool',
  'system resolv hosts-allow hosts-deny conntrack sockstat netdev sysctl',
];

/**
 * Without systemd, services asks each init script (`service N status`: a chain of slow scripts) and needs no
 * pids, so it starts at once beside sockets instead of after it.
 */
export const NO_SYSTEMD_FIRST = ['services'];

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

/**
 * The files that say which address each interface should hold (parsers/netconfig.ts): ifupdown, netplan, RHEL
 * ifcfg, NetworkManager keyfiles, systemd-networkd, then the DHCP leases of dhclient (RHEL, Debian), networkd
 * and NetworkManager.
 */
export const NETCONFIG_FILES = [
  '/etc/network/interfaces',
  '/etc/network/interfaces.d/*',
  '/etc/netplan/*.yaml',
  '/etc/sysconfig/network-scripts/ifcfg-*',
  '/etc/NetworkManager/system-connections/*',
  '/etc/systemd/network/*.network',
  '/var/lib/dhclient/*.lease*',
  '/var/lib/dhcp/dhclient*.lease*',
  '/run/systemd/netif/leases/*',
  '/var/lib/NetworkManager/*.lease',
].join(' ');

/** The sysctls read on every guest (besides each interface's rp_filter). */
const SYSCTL_KEYS = [
  'net.ipv4.ip_forward',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_tw_reuse',
  'net.netfilter.nf_conntrack_max',
  'net.ipv4.conf.all.rp_filter',
  'net.ipv4.conf.default.rp_filter',
];

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
{ read v </proc/sys/kernel/hostname; } 2>/dev/null || v=$(hostname 2>/dev/null)
echo "hostname=$v"
{ read v </proc/sys/kernel/osrelease; } 2>/dev/null || v=$(uname -r 2>/dev/null)
echo "kernel=$v"
v=; { while read a b e r; do [ "$a" = Uid: ] && v=$e && break; done </proc/self/status; } 2>/dev/null
echo "uid=\${v:-$(id -u 2>/dev/null)}"
read u r </proc/uptime 2>/dev/null && echo "uptime=$u"
if [ -r /etc/os-release ]; then p /etc/os-release; elif [ -r /etc/redhat-release ]; then p /etc/redhat-release; fi`,
    },
    {
      name: 'dns',
      timeout: 9,
      background: true,
      body: `N=${shellQuote(o.lookupName)}
x "system name=$N tool=getent" g 6 getent ahosts "$N" >"$ND_T/d0" &
k=1
while read -r a s r; do [ "$a" = nameserver ] && [ -n "$s" ] || continue; [ $k -gt 3 ] && break
if h nslookup; then x "server=$s name=$N tool=nslookup" g 5 nslookup -timeout=2 -retry=1 "$N" "$s" >"$ND_T/d$k" &
elif h dig; then x "server=$s name=$N tool=dig" g 5 dig +time=2 +tries=1 "@$s" "$N" A >"$ND_T/d$k" &
fi
k=$((k+1))
done 2>/dev/null </etc/resolv.conf
wait
t lookup
pa "$ND_T"/d[0-9]*`,
    },
    {
      name: 'ip-addr',
      timeout: 5,
      body: 'j "-d addr show" "addr show"',
    },
    {
      name: 'ip-link',
      timeout: 5,
      body: 'j "-d link show" "link show"',
    },
    {
      name: 'ip-route',
      timeout: 5,
      body: 'j "-4 route show table all"',
    },
    {
      name: 'ip-route6',
      timeout: 5,
      body: 'j "-6 route show table all"',
    },
    { name: 'ip-rule', timeout: 5, body: 'h ip || nf ip\nt ip\nip rule show' },
    {
      name: 'iptables-version',
      timeout: 5,
      body: 'h iptables || nf iptables\nt iptables\niptables -V',
    },
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
if [ $r -eq 0 ]; then t nft-json; pl "$o"
elif printf '%s' "$o" | grep -qi json; then t nft; nft list ruleset
else pl "$o" >&2; exit $r; fi`,
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
      // One ss for two sections: the first CAP connected sockets here, and the TCP state counts of every socket
      // to a scratch file that socket-states prints. (Not -e: its details cost seconds on 10,000s of sockets.)
      body: `if h ss; then t ss; ss -tuanp | awk -v c=${o.connectionCap} -v d="$ND_T" 'NR==1{print;next}{s=$2}s!~/^(LISTEN|UNCONN)$/&&n++<c{print}$1=="tcp"{k[s]++}END{for(s in k)print k[s],s>(d"/st")}'
elif h netstat; then t netstat; netstat -tunp | head -n ${o.connectionCap + 2}
else nf ss netstat; fi`,
    },
    {
      name: 'socket-states',
      timeout: 8,
      body: `if ok connections && [ -r "$ND_T/st" ]; then t ss; p "$ND_T/st"
elif h ss; then t ss; ss -tan | awk 'NR>1{n[$1]++}END{for(s in n)print n[s],s}'
elif h netstat; then t netstat; netstat -tan | awk 'NR>2{n[$6]++}END{for(s in n)print n[s],s}'
else nf ss netstat; fi`,
    },
    {
      name: 'sockstat',
      timeout: 5,
      body: 't proc\np /proc/net/sockstat\n[ -r /proc/net/sockstat6 ] && p /proc/net/sockstat6\ntrue',
    },
    {
      name: 'services',
      timeout: 8,
      body: `W=${shellQuote(svcList)}
if sd; then t systemctl; pp; U=" "
for q in $P; do { while IFS= read -r l; do case $l in *.service*) u=\${l%%.service*}; u="\${u##*/}.service"; case $U in *" $u "*) ;; *) U="$U$u ";; esac; break;; esac; done <"/proc/$q/cgroup"; } 2>/dev/null; done
systemctl show --no-pager -p $SP $U $W
else t service; sv sv $W; fi`,
    },
    {
      name: 'network-services',
      timeout: 8,
      body: `if sd; then t systemctl; systemctl show --no-pager -p $SP ${netList}
else t service; sv nv ${NETWORK_SERVICES.join(' ')}; fi`,
    },
    {
      name: 'libwrap',
      timeout: 8,
      body: `h ldd || nf ldd
t ldd
pp
set -f; set --; for q in $P; do set -- "$@" "/proc/$q/exe"; done
B=; [ $# -gt 0 ] && B=$(readlink "$@" 2>/dev/null)
[ -z "$B" ] && for q in $P; do b=$(readlink "/proc/$q/exe" 2>/dev/null) && B="$B
$b"; done
S=" "; set --; o=$IFS; IFS='
'
for b in /usr/sbin/sshd /usr/sbin/vsftpd /usr/sbin/xinetd $B; do b=\${b% (deleted)}
case "$S" in *" $b "*) continue;; esac; S="$S$b "
[ -x "$b" ] && set -- "$@" "$b"
done; IFS=$o
[ $# -gt 0 ] || exit 0
e(){ if [ -n "$w" ]; then i "$f rc=0"; printf '%s' "$w"; else i "$f rc=1"; fi; }
f=; [ $# -eq 1 ] && f=$1
ldd "$@" 2>/dev/null | { w=; while IFS= read -r l; do case $l in /*:) [ -n "$f" ] && e; f=\${l%:}; w=;; *libwrap*) w="$w$l
";; esac; done; [ -n "$f" ] && e; }
true`,
    },
    {
      name: 'resolv',
      timeout: 5,
      body: `t cat
i target
if [ -L /etc/resolv.conf ]; then readlink -f /etc/resolv.conf 2>/dev/null || echo /etc/resolv.conf; else echo /etc/resolv.conf; fi
i content
p /etc/resolv.conf`,
    },
    {
      name: 'netconfig',
      timeout: 5,
      // Configs from their start with the read builtin (a process per file would cost 5 ms each), 300 lines at
      // most, so line numbers stay the file's; leases from their tail (the newest lease is last). Both end a
      // file's last line even without a newline, so the next header starts a line of its own.
      body: `t cat
for f in ${NETCONFIG_FILES}; do [ -f "$f" ] && [ -r "$f" ] || continue; i "$f"
case $f in *lease*) o=$(tail -n 40 "$f"); pl "$o";; *) p "$f" 300;; esac; done; true`,
    },
    {
      name: 'hosts-allow',
      timeout: 5,
      body: 't cat\n[ -e /etc/hosts.allow ] || exit 0\ncat /etc/hosts.allow',
    },
    {
      name: 'hosts-deny',
      timeout: 5,
      body: 't cat\n[ -e /etc/hosts.deny ] || exit 0\ncat /etc/hosts.deny',
    },
    {
      name: 'conntrack',
      timeout: 5,
      body: `t proc
grep -Hs '' /proc/sys/net/netfilter/nf_conntrack_count /proc/sys/net/netfilter/nf_conntrack_max /proc/sys/net/ipv4/netfilter/ip_conntrack_count /proc/sys/net/ipv4/netfilter/ip_conntrack_max
true`,
    },
    {
      name: 'kernel-log',
      timeout: 6,
      body: `R=${shellQuote(KERNEL_PATTERN)}
if h dmesg && o=$(dmesg 2>&1); then t dmesg; pl "$o" | grep -E "$R" | tail -n 200; exit 0; fi
e=$o
if h journalctl; then o=$(journalctl -k --no-pager -n 5000 2>&1); r=$?
case $o in *"not seeing messages"*|*"No journal files"*) r=1;; esac
if [ $r -eq 0 ]; then t journalctl; pl "$o" | grep -E "$R" | tail -n 200; exit 0; fi
e="$e $o"; fi
pl "\${e:-no dmesg and no journalctl}" >&2; exit 1`,
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
{ o=$(ethtool "$f" 2>&1; ethtool -i "$f" 2>&1); i "$f rc=$?"; pl "$o"; } >"$ND_T/et$n" &
done; wait
pa "$ND_T"/et[1-9]`,
    },
    {
      name: 'sysctl',
      timeout: 5,
      body: `K="${SYSCTL_KEYS.join(' ')}"
Q=; n=0
for d in /proc/sys/net/ipv4/conf/*; do f=\${d##*/}
case $f in all|default|${SKIP_IFACES}) continue;; esac
n=$((n+1)); [ $n -gt 16 ] && break
g=; while :; do case $f in *.*) g="$g\${f%%.*}/"; f=\${f#*.};; *) g="$g$f"; break;; esac; done
K="$K net.ipv4.conf.$g.rp_filter"; Q="$Q $d/rp_filter"
done
if h sysctl; then t sysctl; sysctl -e $K
else t proc; grep -Hs '' ${SYSCTL_KEYS.map((k) => `/proc/sys/${k.replace(/\./g, '/')}`).join(' ')} $Q; true; fi`,
    },
  ];
}

/** Single-quotes a string for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
