/**
 * Guest-side commands against the simulator change the world the way the real commands change a machine;
 * the next collection (through the production parsers) sees the change.
 */
import { describe, expect, it } from 'vitest';
import { parseCollection } from '../../../source/guest/collection.js';
import { COLLECT_SCRIPT } from '../../../source/guest/script/collect.js';
import type { GuestFacts } from '../../../source/model/index.js';
import { GUEST_COMMANDS } from '../../../source/sim/guest/commands.js';
import { execGuestCommand } from '../../../source/sim/guest/exec.js';
import { loadScenario } from '../../../source/sim/scenario/load.js';
import type { World } from '../../../source/sim/world.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function setup(name = 'storefront') {
  const world = loadScenario(name, { now: NOW });
  const inst =
    world.instances.find((i) => i.id === world.target || i.name === world.target) ?? world.instances[0];
  const run = (cmd: string, now = NOW) => execGuestCommand(world, inst.id, cmd, now);
  const facts = (now = NOW): GuestFacts =>
    parseCollection(run(COLLECT_SCRIPT, now).stdout, { at: now, via: 'ssh' });
  return { world, inst, g: inst.guest!, run, facts };
}

const listening = (f: GuestFacts) =>
  f.sockets
    .value!.filter((s) => s.state === 'LISTEN')
    .map((s) => `${s.local.address}:${s.local.port} ${s.processes[0]?.name}`)
    .sort();

describe('services', () => {
  it('systemctl restart brings the dead nginx back, with its listeners; stop takes them away', () => {
    const { g, run, facts } = setup();
    const nginx = g.services.find((s) => s.name === 'nginx')!;
    nginx.listen = ['0.0.0.0:80', '[::]:443'];
    expect(facts().services.value!.find((s) => s.name === 'nginx')).toMatchObject({
      active: 'failed',
      result: 'oom-kill',
    });
    expect(listening(facts())).not.toContain('0.0.0.0:80 nginx');

    expect(run('systemctl restart nginx')).toEqual({ stdout: '', stderr: '', code: 0 });
    const after = facts(NOW + 1000);
    expect(after.services.value!.find((s) => s.name === 'nginx')).toMatchObject({
      active: 'active',
      sub: 'running',
      result: 'success',
      since: '2026-11-26T12:00:00Z',
    });
    expect(listening(after)).toEqual(expect.arrayContaining(['0.0.0.0:80 nginx', ':::443 nginx']));

    expect(run('sudo systemctl stop nginx.service').code).toBe(0);
    expect(listening(facts())).not.toContain('0.0.0.0:80 nginx');
    expect(run('systemctl is-active nginx')).toEqual({ stdout: 'inactive\n', stderr: '', code: 3 });
    expect(run('service nginx start').code).toBe(0);
    expect(run('systemctl is-active nginx').stdout).toBe('active\n');
  });

  it('an unknown unit fails the way systemctl does', () => {
    const { run } = setup();
    expect(run('systemctl restart mysqld')).toEqual({
      stdout: '',
      stderr: 'Failed to restart mysqld.service: Unit mysqld.service not found.\n',
      code: 5,
    });
  });
});

describe('iptables', () => {
  const rules = (f: GuestFacts, chain = 'INPUT') =>
    f.firewall.value!.ipv4!.tables.filter.chains[chain].rules.map((r) => r.raw.replace(/^\[0:0\] /, ''));

  it('-I, -A, -D by number and -D by spec (written the short way) edit the world rules', () => {
    const { g, run, facts } = setup();
    g.firewall = {
      backend: 'iptables-nft',
      iptables:
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n',
    };
    expect(run('iptables -I INPUT 1 -p tcp --dport 443 -s 203.0.113.9 -j DROP').code).toBe(0);
    expect(
      run('iptables -A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "web in" -j ACCEPT')
        .code,
    ).toBe(0);
    expect(rules(facts())).toEqual([
      '-A INPUT -s 203.0.113.9/32 -p tcp -m tcp --dport 443 -j DROP',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      '-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "web in" -j ACCEPT',
    ]);
    const f = facts();
    expect(f.firewall.value!.ipv4!.tables.filter.chains.INPUT.rules[2].matches[1]).toEqual({
      module: 'comment',
      options: [{ name: 'comment', negated: false, values: ['web in'] }],
    });
    expect(run('iptables -D INPUT -p tcp --dport 443 -s 203.0.113.9 -j DROP').code).toBe(0);
    expect(run('iptables -D INPUT 2').code).toBe(0);
    expect(rules(facts())).toEqual(['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT']);
    expect(run('iptables -D INPUT 5')).toMatchObject({
      code: 1,
      stderr: 'iptables: Index of deletion too big.\n',
    });
    expect(run('iptables -D INPUT -p udp --dport 53 -j ACCEPT').stderr).toMatch(/Bad rule/);
    expect(run('iptables -A NOPE -j ACCEPT').stderr).toMatch(/No chain\/target\/match/);
  });

  it('iptables-save to a scratch file, flush, and iptables-restore puts the rules back', () => {
    const { g, run, facts } = setup('healthy');
    const before = facts().firewall.value!.ipv4!;
    expect(Object.keys(before.tables).length).toBeGreaterThan(0);
    expect(run('iptables-save > /tmp/nd-fw.rules && iptables -F').code).toBe(0);
    expect(
      Object.values(facts().firewall.value!.ipv4!.tables.filter.chains).every((c) => c.rules.length === 0),
    ).toBe(true);
    expect(run('iptables-restore < /tmp/nd-fw.rules').code).toBe(0);
    const after = facts().firewall.value!.ipv4!;
    expect(Object.values(after.tables.filter.chains).map((c) => c.rules.length)).toEqual(
      Object.values(before.tables.filter.chains).map((c) => c.rules.length),
    );
    expect(g.firewall.backend).toBe('iptables-nft');
  });

  it('the first rule on a guest without iptables tables turns it into an iptables-nft guest', () => {
    const { g, run, facts } = setup();
    g.firewall = { backend: 'none' };
    expect(facts().firewall.value!.backend).toBe('none');
    expect(run('iptables -A INPUT -p tcp --dport 23 -j DROP').code).toBe(0);
    expect(facts().firewall.value!.backend).toBe('iptables-nft');
  });
});

describe('nft', () => {
  it('nft delete rule … handle N removes that rule', () => {
    const { g, run, facts } = setup();
    g.firewall = {
      backend: 'nftables',
      nft: {
        nftables: [
          { table: { family: 'inet', name: 'web', handle: 1 } },
          {
            chain: {
              family: 'inet',
              table: 'web',
              name: 'input',
              handle: 1,
              type: 'filter',
              hook: 'input',
              prio: 0,
              policy: 'accept',
            },
          },
          {
            rule: {
              family: 'inet',
              table: 'web',
              chain: 'input',
              handle: 4,
              expr: [
                { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 443 } },
                { drop: null },
              ],
            },
          },
          { rule: { family: 'inet', table: 'web', chain: 'input', handle: 5, expr: [{ accept: null }] } },
        ],
      },
    };
    expect(facts().firewall.value!.nft!.chains[0].rules.map((r) => r.handle)).toEqual([4, 5]);
    expect(facts().firewall.value!.backend).toBe('nftables');
    expect(run('nft delete rule inet web input handle 4').code).toBe(0);
    expect(facts().firewall.value!.nft!.chains[0].rules.map((r) => r.handle)).toEqual([5]);
    expect(run('nft delete rule inet web input handle 4').code).toBe(1);
  });
});

describe('links, routes, resolver and tcp wrappers', () => {
  it('ip link set down hides the routes through the link; up restores them', () => {
    const { run, facts } = setup();
    expect(run('ip link set dev eth0 down').code).toBe(0);
    let f = facts();
    expect(f.interfaces.value!.find((i) => i.name === 'eth0')).toMatchObject({
      adminUp: false,
      operState: 'DOWN',
    });
    expect(f.routes.value!.some((r) => r.dst === 'default')).toBe(false);
    expect(f.links.value!.find((l) => l.iface === 'eth0')?.linkDetected).toBe(false);
    expect(run('ip link set eth0 up').code).toBe(0);
    f = facts();
    expect(f.interfaces.value!.find((i) => i.name === 'eth0')?.adminUp).toBe(true);
    expect(f.routes.value!.some((r) => r.dst === 'default' && r.gateway === '172.16.1.253')).toBe(true);
    expect(run('ip link set dev eth9 up')).toMatchObject({ code: 1, stderr: 'Cannot find device "eth9"\n' });
  });

  it('ip route add default via GW dev IF restores a deleted default route', () => {
    const { g, run, facts } = setup();
    g.routes = g.routes.filter((r) => r.dst !== 'default');
    expect(facts().routes.value!.some((r) => r.dst === 'default')).toBe(false);
    expect(run('ip route add default via 172.16.1.253 dev eth0').code).toBe(0);
    expect(facts().routes.value!.find((r) => r.dst === 'default')).toMatchObject({
      gateway: '172.16.1.253',
      dev: 'eth0',
      table: 'main',
    });
    expect(run('ip route add default via 172.16.1.253 dev eth0')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: File exists\n',
    });
  });

  it('a here-document rewrites /etc/resolv.conf', () => {
    const { run, facts } = setup();
    expect(
      run(
        "cat > /etc/resolv.conf <<'EOF'\noptions timeout:2 attempts:3 rotate single-request-reopen\nnameserver 100.100.2.136\nEOF\n",
      ).code,
    ).toBe(0);
    expect(facts().resolv.value).toMatchObject({
      nameservers: ['100.100.2.136'],
      options: ['timeout:2', 'attempts:3', 'rotate', 'single-request-reopen'],
    });
    expect(run('cat /etc/resolv.conf').stdout).toBe(
      'options timeout:2 attempts:3 rotate single-request-reopen\nnameserver 100.100.2.136\n',
    );
  });

  it("sed -i 'Nd' removes a hosts.deny line; 'Ns/^/#/' comments one out", () => {
    const { g, run, facts } = setup();
    g.hostsDeny = '# deny list\nsshd: ALL\nvsftpd: 10.0.0.0/8\n';
    expect(facts().tcpWrappers.value!.deny.map((r) => r.line)).toEqual([2, 3]);
    expect(run("sed -i '2d' /etc/hosts.deny").code).toBe(0);
    expect(g.hostsDeny).toBe('# deny list\nvsftpd: 10.0.0.0/8\n');
    expect(run("sed -i '2s/^/#/' /etc/hosts.deny").code).toBe(0);
    expect(facts().tcpWrappers.value!.deny).toEqual([]);
    expect(run("echo 'sshd: 198.51.100.0/24' >> /etc/hosts.deny").code).toBe(0);
    expect(facts().tcpWrappers.value!.deny.map((r) => r.clients)).toEqual([['198.51.100.0/24']]);
  });
});

describe('the small shell', () => {
  it('runs reads, && / || / ;, sudo and sh -c; refuses pipes; unknown commands exit 127', () => {
    const { run } = setup();
    expect(run('true')).toEqual({ stdout: '', stderr: '', code: 0 });
    expect(run('echo hello && hostname')).toEqual({
      stdout: 'hello\niZbp1k6jsb2wslxp48772bZ\n',
      stderr: '',
      code: 0,
    });
    expect(run('false && echo no || echo yes').stdout).toBe('yes\n');
    expect(run("sh -c 'uname -r; id -u'").stdout).toBe('6.1.0-28-amd64\n0\n');
    expect(run('frobnicate --now')).toEqual({
      stdout: '',
      stderr: 'sh: 1: frobnicate: not found\n',
      code: 127,
    });
    expect(run('cat /etc/hosts.deny | grep sshd').code).toBe(2);
    expect(run('cat /nonexistent')).toMatchObject({
      code: 1,
      stderr: 'cat: /nonexistent: No such file or directory\n',
    });
  });

  it('a stopped instance runs nothing; an unknown instance is named', () => {
    const { world, inst } = setup();
    inst.status = 'Stopped';
    expect(execGuestCommand(world, inst.id, 'true', NOW).code).toBe(255);
    expect(execGuestCommand(world as World, 'i-nope', 'true', NOW).stderr).toMatch(
      /no simulated instance i-nope/,
    );
  });

  it('the command table is open for more commands', () => {
    const { run } = setup();
    GUEST_COMMANDS.push({
      name: 'nd-test-cmd',
      run: (argv) => ({ stdout: `${argv.slice(1).join(',')}\n`, code: 0 }),
    });
    try {
      expect(run('nd-test-cmd a b').stdout).toBe('a,b\n');
    } finally {
      GUEST_COMMANDS.pop();
    }
  });
});
