/**
 * Every recorded Alibaba response body parses into facts without loss. Bodies come from
 * test/fixtures/alicloud/ (copied with their .source.txt from ../shared/alicloud-fixtures, which is also read
 * when present, so new recordings are picked up). "Without loss" is checked generically: a table maps body
 * paths to model paths per action and every mapped value must come out equal, for every item; and every
 * resource id and IP address anywhere in an item must appear in what the parser returned.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseDescribeInstances,
  parseInstance,
  parseInstanceFullStatus,
  parseRegions,
} from '../../../source/cloud/parse/ecs.js';

const here = dirname(fileURLToPath(import.meta.url));
const DIRS = [join(here, '../../fixtures/alicloud'), join(here, '../../../../shared/alicloud-fixtures')];

type Json = any;
/** [body path, model path, how to compare]; `[]` maps over a list at that point. */
type Mapping = [string, string, ('set' | 'num' | 'str')?];

/** Resolves `a.b[].c` to every value it names (arrays flattened where `[]` says so). */
function at(root: Json, path: string): Json[] {
  let cur: Json[] = [root];
  for (const raw of path.split('.')) {
    const many = raw.endsWith('[]');
    const key = many ? raw.slice(0, -2) : raw;
    const next: Json[] = [];
    for (const c of cur) {
      const v = c?.[key];
      if (many) {
        if (Array.isArray(v)) next.push(...v);
      } else next.push(v);
    }
    cur = next;
  }
  return cur;
}

const absent = (v: Json) => v === undefined || v === null || v === '';

function compare(body: Json, model: Json, maps: Mapping[], label: string): number {
  let checked = 0;
  for (const [bp, mp, how] of maps) {
    const want = at(body, bp);
    const got = at(model, mp);
    if (bp.includes('[]') || how === 'set') {
      const w = want.filter((x) => !absent(x)).map(String);
      const g = got.filter((x) => !absent(x)).map(String);
      expect(new Set(g), `${label}: ${bp} → ${mp}`).toEqual(new Set(w));
      checked += w.length;
      continue;
    }
    const w = want[0];
    const g = got[0];
    if (absent(w)) {
      // Absent in the body: the model leaves it out, or holds its neutral default (0 / [] / '').
      expect(absent(g) || g === 0 || (Array.isArray(g) && !g.length), `${label}: ${bp} absent`).toBe(true);
      continue;
    }
    if (how === 'num' || typeof w === 'number') expect(Number(g), `${label}: ${bp} → ${mp}`).toBe(Number(w));
    else expect(String(g), `${label}: ${bp} → ${mp}`).toBe(String(w));
    checked++;
  }
  return checked;
}

const ID = /^(i|sg|eni|eip|vpc|vsw|vtb|nacl|ngw|stb|sgr|m)-[0-9a-z]+$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Every resource id or address anywhere in the raw item must reach the parsed value. */
function idsAndAddresses(v: Json, out: Set<string> = new Set()): Set<string> {
  if (typeof v === 'string') {
    if (ID.test(v) || IPV4.test(v)) out.add(v);
  } else if (Array.isArray(v)) for (const x of v) idsAndAddresses(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) idsAndAddresses(x, out);
  return out;
}

/** Ids the model has no field for (image ids are not network facts). */
const NOT_MODELLED = /^m-/;

function noLeak(raw: Json, parsed: Json, label: string): void {
  const text = JSON.stringify(parsed);
  const missing = [...idsAndAddresses(raw)].filter((x) => !NOT_MODELLED.test(x) && !text.includes(`"${x}"`));
  expect(missing, `${label}: ids/addresses lost`).toEqual([]);
}

const INSTANCE: Mapping[] = [
  ['InstanceId', 'id'],
  ['InstanceName', 'name'],
  ['RegionId', 'regionId'],
  ['ZoneId', 'zoneId'],
  ['Status', 'status'],
  ['InstanceType', 'instanceType'],
  ['Cpu', 'cpu', 'num'],
  ['Memory', 'memoryMiB', 'num'],
  ['OSType', 'osType'],
  ['InstanceChargeType', 'chargeType'],
  ['ExpiredTime', 'expiredTime'],
  ['CreationTime', 'creationTime'],
  ['StartTime', 'startTime'],
  ['HostName', 'hostName'],
  ['InstanceNetworkType', 'networkType'],
  ['VpcAttributes.VpcId', 'vpcId'],
  ['VpcAttributes.VSwitchId', 'vSwitchId'],
  ['VpcAttributes.PrivateIpAddress.IpAddress[]', 'privateIps[]'],
  ['PublicIpAddress.IpAddress[]', 'publicIps[]'],
  ['EipAddress.AllocationId', 'eip.allocationId'],
  ['EipAddress.IpAddress', 'eip.ip'],
  ['EipAddress.Bandwidth', 'eip.bandwidth', 'num'],
  ['EipAddress.InternetChargeType', 'eip.chargeType'],
  ['InternetMaxBandwidthOut', 'internetMaxBandwidthOut', 'num'],
  ['InternetMaxBandwidthIn', 'internetMaxBandwidthIn', 'num'],
  ['InternetChargeType', 'internetChargeType'],
  ['SecurityGroupIds.SecurityGroupId[]', 'securityGroupIds[]'],
  ['OperationLocks.LockReason[].LockReason', 'locks[].reason'],
  ['OperationLocks.LockReason[].LockMsg', 'locks[].message'],
  ['NetworkInterfaces.NetworkInterface[].NetworkInterfaceId', 'enis[].id'],
  ['NetworkInterfaces.NetworkInterface[].Type', 'enis[].type'],
  ['NetworkInterfaces.NetworkInterface[].MacAddress', 'enis[].mac'],
  ['NetworkInterfaces.NetworkInterface[].PrimaryIpAddress', 'enis[].primaryIp'],
  [
    'NetworkInterfaces.NetworkInterface[].PrivateIpSets.PrivateIpSet[].PrivateIpAddress',
    'enis[].privateIps[]',
  ],
];

function checkInstance(raw: Json, inst: Json, label: string): number {
  let n = compare(raw, inst, INSTANCE, label);
  // The English OS name is preferred; either spelling is the body's value.
  if (!absent(raw.OSNameEn) || !absent(raw.OSName)) {
    expect([raw.OSNameEn, raw.OSName]).toContain(inst.osName);
    n++;
  }
  const tags = at(raw, 'Tags.Tag[]');
  for (const t of tags) expect(inst.tags?.[t.TagKey], `${label}: tag ${t.TagKey}`).toBe(t.TagValue);
  n += tags.length;
  noLeak(raw, inst, label);
  return n;
}

const PARSERS: Record<string, (body: Json, label: string) => number> = {
  ecs_DescribeInstances(body, label) {
    const page = parseDescribeInstances(body);
    const raws = body.Instances.Instance as Json[];
    expect(page.items).toHaveLength(raws.length);
    expect(page.totalCount).toBe(body.TotalCount);
    expect(page.pageSize).toBe(body.PageSize);
    let n = 0;
    raws.forEach((raw, i) => {
      n += checkInstance(raw, page.items[i], `${label} #${i} ${raw.InstanceId}`);
    });
    return n + 1;
  },
  ecs_DescribeInstanceAttribute(body, label) {
    return checkInstance(body, parseInstance(body), label);
  },
  ecs_DescribeRegions(body, label) {
    const regions = parseRegions(body);
    const raws = body.Regions.Region as Json[];
    expect(regions).toHaveLength(raws.length);
    let n = 0;
    raws.forEach((raw, i) => {
      n += compare(
        raw,
        regions[i],
        [
          ['RegionId', 'id'],
          ['RegionEndpoint', 'endpoint'],
          ['LocalName', 'localName'],
        ],
        `${label} ${raw.RegionId}`,
      );
    });
    return n;
  },
  ecs_DescribeInstanceFullStatus(body, label) {
    const page = parseInstanceFullStatus(body);
    const raws = body.InstanceFullStatusSet.InstanceFullStatusType as Json[];
    expect(page.items).toHaveLength(raws.length);
    let n = 0;
    raws.forEach((raw, i) => {
      const l = `${label} ${raw.InstanceId}`;
      n += compare(
        raw,
        page.items[i],
        [
          ['InstanceId', 'instanceId'],
          ['Status.Name', 'status'],
          ['HealthStatus.Name', 'health'],
          ['ScheduledSystemEventSet.ScheduledSystemEventType[].EventId', 'events[].id'],
        ],
        l,
      );
      noLeak(raw, page.items[i], l);
    });
    return n;
  },
};

function fixtureFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of DIRS) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.json') && !out.has(f)) out.set(f, join(d, f));
  }
  return out;
}

const files = fixtureFiles();

describe('recorded Alibaba response bodies parse without loss', () => {
  it('finds the recorded bodies, each with its origin noted', () => {
    expect(files.size).toBeGreaterThanOrEqual(9);
    for (const [name, path] of files)
      expect(existsSync(path.replace(/\.json$/, '.source.txt')), name).toBe(true);
  });

  for (const [name, path] of files) {
    it(name, () => {
      const action = name.replace(/\.json$/, '').replace(/__.*$/, '');
      const parse = PARSERS[action];
      expect(
        parse,
        `no parser registered for ${action}: add one to source/cloud/parse and here`,
      ).toBeDefined();
      const body = JSON.parse(readFileSync(path, 'utf8'));
      const checked = parse(body, name);
      const listed = JSON.stringify(body).match(/"(InstanceId|RegionId)"/g)?.length ?? 0;
      // An empty list body checks its paging fields only.
      expect(checked).toBeGreaterThanOrEqual(listed ? 1 : 0);
    });
  }
});
