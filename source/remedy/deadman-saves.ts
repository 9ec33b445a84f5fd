/**
 * What a dead-man switch saves before a guest change and how it puts it back: links, routes, the nft ruleset,
 * iptables (v4 and v6) and files the change writes, as POSIX sh snippets for the arm script (deadman-script.ts).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are sh, where ${…} is parameter expansion.
import { shQuote } from '../guest/transport/remote-command.js';
import type { DeadmanSave } from '../model/index.js';

/** What a command can break, when the step does not say: iptables/nft/ip route/ip link/files it writes. */
export function inferSaves(command: string): DeadmanSave[] {
  const out = new Set<DeadmanSave>();
  if (/\b(ip6?tables(-restore|-legacy|-nft)?|firewall-cmd|ufw)\b/.test(command)) out.add('iptables');
  if (/\bnft\b|\bfirewall-cmd\b/.test(command)) out.add('nft');
  if (/\bip\s+(-[46]\s+)?(route|r|ro)\b|\broute\s+(add|del)\b/.test(command)) out.add('routes');
  if (
    /\bip\s+(link|l)\s+set\b|\bif(up|down)\b|\bnmcli\b|\bsystemctl\s+\S+\s+(network|NetworkManager|systemd-networkd)/.test(
      command,
    )
  ) {
    out.add('links');
    out.add('routes');
  }
  for (const m of command.matchAll(
    /(?:>>?|\btee\s+(?:-a\s+)?|\bsed\s+-i\S*\s+(?:'[^']*'|"[^"]*"|\S+)\s+)\s*(\/[A-Za-z0-9._/@+-]+)/g,
  ))
    if (!m[1].startsWith('/dev/') && !m[1].startsWith('/tmp/')) out.add(`file:${m[1]}` as DeadmanSave);
  return [...out];
}

/** sh that puts routes back: drop routes the change added, then replace saved ones (direct routes first). */
const ROUTES_FN = [
  "nd_clean() { sed 's/ linkdown//; s/ dead//; s/ offload//; s/ trap//; s/ rt_offload//'; }",
  'nd_routes() {',
  '  ip $1 route show table main 2>/dev/null | nd_clean > "$D/routes.now"',
  '  nd_clean < "$2" > "$D/routes.want"',
  '  while IFS= read -r r; do [ -n "$r" ] || continue; grep -qxF -- "$r" "$D/routes.want" || ip $1 route del $r 2>/dev/null; done < "$D/routes.now"',
  '  { grep -v \' via \' "$D/routes.want"; grep \' via \' "$D/routes.want"; } > "$D/routes.order"',
  '  while IFS= read -r r; do [ -n "$r" ] || continue; ip $1 route replace $r || rc=1; done < "$D/routes.order"',
  '}',
].join('\n');

/** The save commands (run before the change) and the restore script body, in the order each must run. */
export function saveSnippets(saves: DeadmanSave[]): { save: string[]; restore: string[] } {
  const save: string[] = [];
  const restore: string[] = ['D=${0%/*}', 'rc=0', 'set -f'];
  const has = (k: DeadmanSave) => saves.includes(k);
  // Restore order matters: links up first (the kernel re-adds their direct routes), then routes, then filters.
  if (has('links')) {
    save.push(
      'for p in /sys/class/net/*; do n=${p##*/}; f=$(cat "$p/flags" 2>/dev/null) || continue; if [ $(( f & 1 )) -ne 0 ]; then echo "$n up"; else echo "$n down"; fi; done > "$D/links" || nd_nosave links',
      '[ -s "$D/links" ] || nd_nosave links',
    );
    restore.push(
      'while read -r n s; do [ -e "/sys/class/net/$n" ] || continue; ip link set dev "$n" "$s" || rc=1; done < "$D/links"',
    );
  }
  if (has('routes')) {
    save.push(
      'ip -4 route show table main > "$D/routes.v4" 2>>"$D/save.err" || nd_nosave routes',
      'ip -6 route show table main > "$D/routes.v6" 2>/dev/null || rm -f "$D/routes.v6"',
    );
    restore.push(
      ROUTES_FN,
      'nd_routes -4 "$D/routes.v4"',
      '[ -f "$D/routes.v6" ] && nd_routes -6 "$D/routes.v6"',
    );
  }
  if (has('nft')) {
    save.push('nft list ruleset > "$D/nft.rules" 2>>"$D/save.err" || nd_nosave nft');
    // One transaction: flush and reload together, so there is no moment without the old rules.
    restore.push(
      '{ echo "flush ruleset"; cat "$D/nft.rules"; } > "$D/nft.restore" && nft -f "$D/nft.restore" || rc=1',
    );
  }
  if (has('iptables')) {
    save.push(
      'iptables-save > "$D/iptables.v4" 2>>"$D/save.err" || nd_nosave iptables',
      'if command -v ip6tables-save >/dev/null 2>&1; then ip6tables-save > "$D/iptables.v6" 2>/dev/null || rm -f "$D/iptables.v6"; fi',
    );
    restore.push(
      // Tables the change loaded that were not there before are emptied (restore only rewrites saved tables).
      'for t in $(iptables-save 2>/dev/null | sed -n \'s/^\\*//p\'); do grep -qx "\\*$t" "$D/iptables.v4" || { iptables -t "$t" -F; iptables -t "$t" -X; }; done',
      'iptables-restore < "$D/iptables.v4" || rc=1',
      '[ -f "$D/iptables.v6" ] && { ip6tables-restore < "$D/iptables.v6" || rc=1; }',
    );
  }
  saves
    .filter((s): s is `file:${string}` => s.startsWith('file:'))
    .forEach((s, k) => {
      const p = shQuote(s.slice(5));
      save.push(
        `if [ -e ${p} ]; then cp -p ${p} "$D/file.${k}" 2>>"$D/save.err" || nd_nosave ${p}; else : > "$D/file.${k}.absent"; fi`,
      );
      restore.push(
        `if [ -f "$D/file.${k}.absent" ]; then rm -f ${p} || rc=1; else cp -p "$D/file.${k}" ${p} || rc=1; fi`,
      );
    });
  restore.push('exit $rc');
  return { save, restore };
}
