/** Instance panel: state, locks, specs, ENIs, EIP and bandwidth, Cloud Assistant, the guest, and every source. */
import type { Fact } from '../../model/index.js';
import { age, isoLocal } from './format.js';
import type { Cell, PanelModel, Row, Span, ViewContext } from './types.js';

const field = (key: string, name: string, value: Cell, extra: Partial<Row> = {}): Row => ({
  key,
  cells: [name, value],
  ...extra,
});

export function buildInstance(ctx: ViewContext): PanelModel {
  const { tr } = ctx;
  const t = tr.t;
  const rows: Row[] = [];
  const section = (key: string, title: string) =>
    rows.push({ key: `s:${key}`, kind: 'section', cells: [title] });
  const cloud = ctx.snapshot?.cloud;
  const inst = cloud?.instance.value;

  section('instance', t('inst.section.instance'));
  if (inst) {
    const running = inst.status === 'Running';
    rows.push(
      field('id', 'ID', [{ text: inst.id, tone: 'strong' }, { text: `  ${inst.name}` }]),
      field('state', t('inst.state'), {
        text: `${running ? '✔' : '✘'} ${inst.status}`,
        tone: running ? 'ok' : 'bad',
      }),
      field(
        'locks',
        t('inst.locks'),
        inst.locks.length
          ? { text: `✘ ${inst.locks.map((l) => l.reason).join(', ')}`, tone: 'bad' }
          : { text: t('inst.noLocks'), tone: 'dim' },
      ),
      field(
        'type',
        t('inst.type'),
        [inst.instanceType, inst.cpu && `${inst.cpu} vCPU`, inst.memoryMiB && `${inst.memoryMiB / 1024} GiB`]
          .filter(Boolean)
          .join(' · '),
      ),
      field('os', t('inst.os'), inst.osName ?? inst.osType ?? ''),
      field('zone', t('inst.zone'), `${inst.regionId} / ${inst.zoneId}`),
      field(
        'charge',
        t('inst.charge'),
        [inst.chargeType, inst.internetChargeType].filter(Boolean).join(' · '),
      ),
      field('started', t('inst.started'), isoLocal(inst.startTime)),
    );
  } else rows.push(missing('inst', t('inst.section.instance'), cloud?.instance, ctx));

  section('network', t('inst.section.network'));
  if (inst) {
    rows.push(
      field('vpc', t('inst.vpc'), inst.vpcId ?? inst.networkType),
      field(
        'vsw',
        t('inst.vswitch'),
        `${inst.vSwitchId ?? ''}${cloud?.vSwitch.value ? `  ${cloud.vSwitch.value.cidr}` : ''}`,
      ),
      field('priv', t('inst.private'), inst.privateIps.join(', ')),
      field('sgs', t('inst.sgs'), inst.securityGroupIds.join(', ')),
    );
  }

  section('eip', t('inst.section.eip'));
  if (inst) {
    const eip = inst.eip;
    const eipFact = cloud?.eips.value?.find((e) => e.ip === eip?.ip || e.instanceId === inst.id);
    if (eip) {
      rows.push(
        field('eip', t('inst.eip'), [{ text: eip.ip, tone: 'strong' }, { text: `  ${eip.allocationId}` }]),
      );
      const bw = eip.bandwidth ?? eipFact?.bandwidth;
      rows.push(
        field('bw', t('inst.bandwidth'), {
          text: bw === undefined ? '?' : `${bw ? '✔' : '✘'} ${t('common.mbps', { n: bw })}`,
          tone: bw ? 'ok' : 'bad',
        }),
      );
      if (eipFact) {
        const bound = eipFact.instanceId === inst.id;
        rows.push(
          field('eipst', t('inst.eipStatus'), {
            text: `${bound ? '✔' : '✘'} ${eipFact.status}${eipFact.instanceId ? ` → ${eipFact.instanceId}` : ''}${
              eipFact.locks.length ? ` · ${eipFact.locks.map((l) => l.reason).join(',')}` : ''
            }`,
            tone: bound && !eipFact.locks.length ? 'ok' : 'bad',
          }),
        );
      }
    } else if (inst.publicIps.length) {
      rows.push(
        field('pub', t('inst.publicIp'), inst.publicIps.join(', ')),
        field('bw', t('inst.bandwidth'), {
          text: `${inst.internetMaxBandwidthOut ? '✔' : '✘'} ${t('common.mbps', { n: inst.internetMaxBandwidthOut })}`,
          tone: inst.internetMaxBandwidthOut ? 'ok' : 'bad',
        }),
      );
    } else rows.push(field('pub', t('inst.publicIp'), { text: t('inst.noPublic'), tone: 'warn' }));
  }

  section('enis', t('inst.section.enis'));
  for (const eni of inst?.enis ?? []) {
    rows.push({
      key: `eni:${eni.id}`,
      cells: [
        eni.id,
        `${eni.type} · ${eni.primaryIp}${eni.publicIp ? ` · ${eni.publicIp}` : ''}${eni.mac ? ` · ${eni.mac}` : ''}`,
      ],
      target: { kind: 'eni', id: eni.id },
    });
  }

  section('assistant', t('inst.section.assistant'));
  const asst = cloud?.assistant;
  if (asst?.value) {
    rows.push(
      field('asst', t('inst.assistant'), {
        text: `${asst.value.online ? '✔' : '✘'} ${t(asst.value.online ? 'inst.online' : 'inst.offline')}${
          asst.value.version ? `  v${asst.value.version}` : ''
        }`,
        tone: asst.value.online ? 'ok' : 'warn',
      }),
    );
    if (asst.value.lastHeartbeat)
      rows.push(field('hb', t('inst.heartbeat'), isoLocal(asst.value.lastHeartbeat)));
  } else if (asst) rows.push(missing('asst', t('inst.section.assistant'), asst, ctx));

  section('guest', t('inst.section.guest'));
  const g = ctx.snapshot?.guest;
  if (g) {
    rows.push(
      field('via', t('inst.via'), g.via),
      field('host', t('inst.hostname'), g.hostname ?? ''),
      field('os2', t('inst.os'), g.os ?? ''),
      field('kernel', t('inst.kernel'), g.kernel ?? ''),
    );
    for (const nic of g.interfaces.value ?? []) {
      const up = nic.adminUp && nic.operState !== 'DOWN' && nic.carrier !== false;
      rows.push(
        field(`nic:${nic.name}`, `${t('inst.nics')} ${nic.name}`, [
          { text: `${up ? '✔' : '✘'} ${nic.operState}`, tone: up ? 'ok' : 'bad' },
          { text: `  ${nic.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(' ')}` },
        ]),
      );
    }
    const ct = g.conntrack.value;
    if (ct) {
      const full = ct.max > 0 && ct.count / ct.max > 0.9;
      rows.push(
        field('ct', t('inst.conntrack'), { text: `${ct.count} / ${ct.max}`, tone: full ? 'bad' : undefined }),
      );
    }
  } else {
    const why = ctx.snapshot?.guestError;
    rows.push({
      key: 'noguest',
      kind: 'note',
      cells: [{ text: `✘ ${t('inst.noGuest')}${why ? `: ${why.message}` : ''}`, tone: 'warn' }],
    });
  }

  section('sources', t('inst.section.sources'));
  const now = ctx.snapshot?.at ?? 0;
  for (const s of ctx.snapshot?.sources ?? []) {
    const v: Span[] = [
      { text: s.ok ? '✔' : '✘', tone: s.ok ? 'ok' : 'bad' },
      {
        text: ` ${s.ms} ms${s.calls ? ` · ${s.calls} calls` : ''}${s.at && now ? ` · ${age(now - s.at)}` : ''}`,
      },
    ];
    if (s.error) v.push({ text: `  ${s.error.message}`, tone: 'bad' });
    rows.push({ key: `src:${s.name}`, cells: [s.name, v], target: { kind: 'source', name: s.name } });
  }

  return {
    id: 'instance',
    title: inst ? `${inst.id} · ${inst.name}` : t('header.noTarget'),
    sources: ['cloud', 'guest'],
    columns: [
      { id: 'field', title: t('inst.col.field'), width: 18 },
      { id: 'value', title: t('inst.col.value'), width: 0, flex: 1 },
    ],
    rows,
  };
}

function missing(key: string, what: string, f: Fact<unknown> | undefined, ctx: ViewContext): Row {
  const t = ctx.tr.t;
  return {
    key: `missing:${key}`,
    kind: 'note',
    cells: [
      {
        text: f?.error
          ? `✘ ${t('common.unavailable', { what, why: f.error.message })}`
          : t('common.notCollected', { what }),
        tone: f?.error ? 'bad' : 'dim',
      },
    ],
  };
}
