/**
 * Profile, region and credential resolution from a temp HOME (never the developer's own files): the aliyun CLI
 * config, ~/.alibabacloud/credentials, the environment and explicit keys, with the source recorded.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseProfile, chooseRegion, loadAliyunConfig } from '../../../source/cloud/aliyun-config.js';
import { createCloudClient } from '../../../source/cloud/client.js';
import { CredentialChain } from '../../../source/cloud/credentials.js';
import { parseEndpointUrl } from '../../../source/cloud/endpoints.js';

function home(cli?: unknown, ini?: string): string {
  const h = mkdtempSync(join(tmpdir(), 'nd-home-cloud-'));
  if (cli !== undefined) {
    mkdirSync(join(h, '.aliyun'));
    writeFileSync(join(h, '.aliyun', 'config.json'), typeof cli === 'string' ? cli : JSON.stringify(cli));
  }
  if (ini !== undefined) {
    mkdirSync(join(h, '.alibabacloud'));
    writeFileSync(join(h, '.alibabacloud', 'credentials'), ini);
  }
  return h;
}

const CLI = {
  current: 'default',
  profiles: [
    {
      name: 'default',
      mode: 'AK',
      access_key_id: 'LTAI5tDefault0001',
      access_key_secret: 'sec-default',
      region_id: 'cn-hangzhou',
    },
    {
      name: 'sh',
      mode: 'StsToken',
      access_key_id: 'STS.Sh0001',
      access_key_secret: 'sec-sh',
      sts_token: 'tok-sh',
      region_id: 'cn-shanghai',
    },
    { name: 'noregion', mode: 'AK', access_key_id: 'LTAI5tNoRegion01', access_key_secret: 'sec-nr' },
    { name: 'sso', mode: 'CloudSSO', region_id: 'cn-beijing' },
  ],
};
const NO_IMDS = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };

describe('profile and region', () => {
  it('--profile > ALIBABA_CLOUD_PROFILE > current', () => {
    const loaded = loadAliyunConfig(home(CLI), {});
    expect(chooseProfile('sh', { ALIBABA_CLOUD_PROFILE: 'noregion' }, loaded)).toMatchObject({
      name: 'sh',
      via: 'flag',
    });
    expect(chooseProfile(undefined, { ALIBABA_CLOUD_PROFILE: 'noregion' }, loaded)).toMatchObject({
      name: 'noregion',
      via: 'env',
    });
    expect(chooseProfile(undefined, { ALICLOUD_PROFILE: 'sh' }, loaded)).toMatchObject({
      name: 'sh',
      via: 'env',
    });
    expect(chooseProfile(undefined, {}, loaded)).toMatchObject({ name: 'default', via: 'current' });
  });

  it('--region > ALIBABA_CLOUD_REGION_ID (and aliases) > profile region_id > guidance', () => {
    const loaded = loadAliyunConfig(home(CLI), {});
    const p = chooseProfile('sh', {}, loaded);
    expect(chooseRegion('eu-central-1', { ALIBABA_CLOUD_REGION_ID: 'cn-beijing' }, p)).toEqual({
      region: 'eu-central-1',
      via: '--region',
    });
    expect(chooseRegion(undefined, { ALIBABA_CLOUD_REGION_ID: 'cn-beijing' }, p)).toEqual({
      region: 'cn-beijing',
      via: 'ALIBABA_CLOUD_REGION_ID',
    });
    expect(chooseRegion(undefined, { ALICLOUD_REGION_ID: 'cn-qingdao' }, p)).toEqual({
      region: 'cn-qingdao',
      via: 'ALICLOUD_REGION_ID',
    });
    expect(chooseRegion(undefined, {}, p)).toEqual({ region: 'cn-shanghai', via: 'profile sh' });
    const none = chooseProfile('noregion', {}, loaded);
    expect(() => chooseRegion(undefined, {}, none)).toThrow(/No Alibaba Cloud region/);
    try {
      chooseRegion(undefined, {}, none);
    } catch (e) {
      expect((e as { hint: string }).hint).toContain('aliyun configure --profile noregion');
    }
  });

  it('a broken config file is reported without its content (it holds secrets)', () => {
    const loaded = loadAliyunConfig(home('{"profiles": [ {"access_key_secret": "leak-me" '), {});
    expect(loaded.problem).toMatch(/not valid JSON/);
    expect(loaded.problem).not.toContain('leak-me');
  });

  it('ALIBABA_CLOUD_IGNORE_PROFILE=TRUE ignores the CLI file', () => {
    expect(loadAliyunConfig(home(CLI), { ALIBABA_CLOUD_IGNORE_PROFILE: 'TRUE' }).config).toBeUndefined();
  });
});

describe('credentials', () => {
  it('explicit keys win and are the only source', async () => {
    const c = new CredentialChain({
      explicit: { accessKeyId: 'AK1', accessKeySecret: 'S1' },
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ENV', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'ENVS' },
      home: home(CLI),
    });
    const k = await c.getCredentials();
    expect(k.accessKeyId).toBe('AK1');
    expect(c.source).toBe('explicit');
    expect(c.secrets).toEqual(['S1']);
  });

  it('the default chain: environment first, then the CLI profile', async () => {
    const env = {
      ...NO_IMDS,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tEnv00001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sec-env',
    };
    const a = new CredentialChain({ env, home: home(CLI) });
    expect((await a.getCredentials()).accessKeyId).toBe('LTAI5tEnv00001');
    expect(a.source).toBe('env');
    const b = new CredentialChain({ env: NO_IMDS, home: home(CLI) });
    expect((await b.getCredentials()).accessKeyId).toBe('LTAI5tDefault0001');
    expect(b.source).toBe('cli_profile:default');
    expect(b.keyHint).toBe('LTAI…0001');
  });

  it('--profile picks that profile even when environment keys are set; STS profiles carry the token', async () => {
    const env = {
      ...NO_IMDS,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tEnv00001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sec-env',
    };
    const c = new CredentialChain({ profile: 'sh', env, home: home(CLI) });
    const k = await c.getCredentials();
    expect(k).toMatchObject({ accessKeyId: 'STS.Sh0001', securityToken: 'tok-sh' });
    expect(c.source).toBe('cli_profile:sh');
    expect(c.secrets.sort()).toEqual(['sec-sh', 'tok-sh']);
  });

  it('ALIBABA_CLOUD_PROFILE selects the profile for credentials as for the region', async () => {
    const h = home(CLI);
    const client = await createCloudClient({ env: { ...NO_IMDS, ALIBABA_CLOUD_PROFILE: 'sh' }, home: h });
    expect(client.region).toBe('cn-shanghai');
    expect(client.regionVia).toBe('profile sh');
    expect(await client.resolveCredentials()).toEqual({ source: 'cli_profile:sh' });
  });

  it('an unknown profile is a clear error listing the known ones', async () => {
    const c = new CredentialChain({ profile: 'prod', env: NO_IMDS, home: home(CLI) });
    await expect(c.getCredentials()).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      hint: expect.stringContaining('default, sh, noregion, sso'),
    });
  });

  it('~/.alibabacloud/credentials (INI) is read when the CLI file has no such profile', async () => {
    const c = new CredentialChain({
      env: NO_IMDS,
      home: home(
        undefined,
        '[default]\ntype = access_key\naccess_key_id = LTAI5tIni000001\naccess_key_secret = sec-ini\n',
      ),
    });
    expect((await c.getCredentials()).accessKeyId).toBe('LTAI5tIni000001');
    expect(c.source).toBe('profile:default');
  });

  it('nothing configured: NO_CREDENTIALS with what was tried and what to do, no secret', async () => {
    const c = new CredentialChain({ env: NO_IMDS, home: home(CLI), profile: 'sso' });
    const e = await c.getCredentials().catch((x) => x);
    expect(e.code).toBe('NO_CREDENTIALS');
    expect(e.message).toContain('cli_profile:sso');
    expect(e.hint).toMatch(/aliyun configure/);
    const none = new CredentialChain({ env: NO_IMDS, home: home() });
    await expect(none.getCredentials()).rejects.toMatchObject({ code: 'NO_CREDENTIALS' });
  });

  it('a missing region fails createCloudClient with guidance', async () => {
    await expect(createCloudClient({ env: NO_IMDS, home: home() })).rejects.toMatchObject({
      code: 'NO_REGION',
    });
  });
});

describe('endpoints', () => {
  it('scheme decides the protocol; paths are refused', () => {
    expect(parseEndpointUrl('http://127.0.0.1:8080')).toEqual({ host: '127.0.0.1:8080', protocol: 'http' });
    expect(parseEndpointUrl('https://ecs.cn-hangzhou.aliyuncs.com')).toEqual({
      host: 'ecs.cn-hangzhou.aliyuncs.com',
      protocol: 'https',
    });
    expect(parseEndpointUrl('example.internal:8443')).toEqual({
      host: 'example.internal:8443',
      protocol: 'https',
    });
    expect(() => parseEndpointUrl('http://127.0.0.1:1/api')).toThrow(/path/);
    expect(() => parseEndpointUrl('ftp://x')).toThrow(/only http/);
  });

  it('real endpoints per product and region when no --endpoint is given', async () => {
    const c = await createCloudClient({
      region: 'cn-shanghai',
      accessKeyId: 'a',
      accessKeySecret: 'b',
      env: {},
      home: home(),
    });
    expect(c.endpointOf('ecs')).toBe('https://ecs.cn-shanghai.aliyuncs.com');
    expect(c.endpointOf('vpc')).toBe('https://vpc.cn-shanghai.aliyuncs.com');
    expect(c.endpointOf('cms')).toBe('https://metrics.cn-shanghai.aliyuncs.com');
    expect(c.endpointOf('actiontrail')).toBe('https://actiontrail.cn-shanghai.aliyuncs.com');
    const s = await createCloudClient({
      region: 'cn-shanghai',
      endpoint: 'http://127.0.0.1:9',
      accessKeyId: 'a',
      accessKeySecret: 'b',
      env: {},
      home: home(),
    });
    expect(s.endpointOf('cms')).toBe('http://127.0.0.1:9');
    const h = await createCloudClient({
      region: 'cn-hangzhou',
      accessKeyId: 'a',
      accessKeySecret: 'b',
      env: {},
      home: home(),
    });
    expect(h.endpointOf('ecs')).toBe('https://ecs-cn-hangzhou.aliyuncs.com');
    expect(h.endpointOf('vpc')).toBe('https://vpc.aliyuncs.com');
  });
});
