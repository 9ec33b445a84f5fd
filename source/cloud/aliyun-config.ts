/**
 * The aliyun CLI's `~/.aliyun/config.json`: which profile is selected and its region. `@alicloud/credentials`
 * reads credentials from the same file but never the region, so netdoctor resolves profile and region here,
 * the way the CLI does: --profile > ALIBABA_CLOUD_PROFILE (and aliases) > `current`; region: --region >
 * ALIBABA_CLOUD_REGION_ID (and aliases) > the profile's `region_id`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudError } from './errors.js';

export interface AliyunProfile {
  name: string;
  mode?: string;
  region_id?: string;
  access_key_id?: string;
  [key: string]: unknown;
}

export interface AliyunCliConfig {
  current?: string;
  profiles: AliyunProfile[];
}

export type Env = Record<string, string | undefined>;

export const PROFILE_ENV = ['ALIBABA_CLOUD_PROFILE', 'ALIBABACLOUD_PROFILE', 'ALICLOUD_PROFILE'] as const;
export const REGION_ENV = [
  'ALIBABA_CLOUD_REGION_ID',
  'ALIBABACLOUD_REGION_ID',
  'ALICLOUD_REGION_ID',
  'REGION_ID',
  'REGION',
] as const;

export function aliyunConfigPath(home: string): string {
  return join(home, '.aliyun', 'config.json');
}

export interface LoadedCliConfig {
  path: string;
  config?: AliyunCliConfig;
  /** Set when the file exists but cannot be used (never carries the file's content: it holds secrets). */
  problem?: string;
}

export function loadAliyunConfig(home: string, env: Env): LoadedCliConfig {
  const path = aliyunConfigPath(home);
  if (isTrue(env.ALIBABA_CLOUD_IGNORE_PROFILE)) return { path };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { path };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { path, problem: `${path} is not valid JSON; run \`aliyun configure\` to rewrite it.` };
  }
  const p = parsed as Partial<AliyunCliConfig>;
  if (!p || !Array.isArray(p.profiles))
    return { path, problem: `${path} has no "profiles" list; run \`aliyun configure\`.` };
  return {
    path,
    config: {
      current: typeof p.current === 'string' ? p.current : undefined,
      profiles: p.profiles.filter((x): x is AliyunProfile => !!x && typeof x.name === 'string'),
    },
  };
}

export interface ProfileChoice {
  name?: string;
  /** Where the name came from. */
  via: 'flag' | 'env' | 'current' | 'none';
  profile?: AliyunProfile;
}

export function isTrue(v: string | undefined): boolean {
  return !!v && v.toLowerCase() === 'true';
}

export function firstEnv(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value?.trim()) return { name, value: value.trim() };
  }
  return undefined;
}

/** Picks the profile name and, when the CLI file has it, the profile. An explicit name that is absent is an error. */
export function chooseProfile(flag: string | undefined, env: Env, loaded: LoadedCliConfig): ProfileChoice {
  const fromEnv = firstEnv(env, PROFILE_ENV);
  const choice: ProfileChoice = flag
    ? { name: flag, via: 'flag' }
    : fromEnv
      ? { name: fromEnv.value, via: 'env' }
      : loaded.config?.current
        ? { name: loaded.config.current, via: 'current' }
        : { via: 'none' };
  if (choice.name && loaded.config)
    choice.profile = loaded.config.profiles.find((p) => p.name === choice.name);
  return choice;
}

export function profileNotFound(
  choice: ProfileChoice,
  loaded: LoadedCliConfig,
  iniHasIt: boolean,
): CloudError | undefined {
  if (!choice.name || choice.via === 'current' || choice.profile || iniHasIt) return undefined;
  const names = loaded.config?.profiles.map((p) => p.name) ?? [];
  const where = choice.via === 'flag' ? '--profile' : 'ALIBABA_CLOUD_PROFILE';
  return new CloudError({
    code: 'PROFILE_NOT_FOUND',
    message: `Profile "${choice.name}" (from ${where}) is not in ${loaded.path}${loaded.problem ? ` (${loaded.problem})` : ''}.`,
    hint: names.length
      ? `Known profiles: ${names.join(', ')}. Create it with \`aliyun configure --profile ${choice.name}\`, or pass one of those.`
      : `Create it with \`aliyun configure --profile ${choice.name}\`.`,
  });
}

export interface RegionChoice {
  region: string;
  via: string;
}

export function chooseRegion(flag: string | undefined, env: Env, choice: ProfileChoice): RegionChoice {
  if (flag) return { region: flag, via: '--region' };
  const fromEnv = firstEnv(env, REGION_ENV);
  if (fromEnv) return { region: fromEnv.value, via: fromEnv.name };
  const r = choice.profile?.region_id;
  if (typeof r === 'string' && r.trim()) return { region: r.trim(), via: `profile ${choice.profile!.name}` };
  throw new CloudError({
    code: 'NO_REGION',
    message: 'No Alibaba Cloud region is configured, so netdoctor does not know where to look.',
    hint: choice.profile
      ? `Pass --region (e.g. --region cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, or run \`aliyun configure --profile ${choice.profile.name}\` and set a default region.`
      : 'Pass --region (e.g. --region cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, or run `aliyun configure` to save a default region.',
  });
}
