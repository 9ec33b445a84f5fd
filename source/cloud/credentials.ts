/**
 * Credentials: explicit keys, else the `@alicloud/credentials` default chain in its own order (env, OIDC, aliyun
 * CLI profile, ~/.alibabacloud/credentials, ECS RAM role, credentials URI). The chain is assembled here from the
 * library's own providers rather than `new Credential()` so that the selected --profile, the environment and the
 * home directory are passed in explicitly (tests hand a temp HOME; nothing reads the developer's files) and so
 * that we know which source answered — InvalidAccessKeyId guidance names it. Library error texts are never
 * surfaced as-is: some embed the config file's content, which holds secrets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AliyunCliConfig,
  chooseProfile,
  type Env,
  isTrue,
  type LoadedCliConfig,
  loadAliyunConfig,
  type ProfileChoice,
  profileNotFound,
} from './aliyun-config.js';
import { CloudError, maskKeyId } from './errors.js';
import {
  CLIProfileCredentialsProvider,
  type CredentialsProviderLike,
  ECSRAMRoleCredentialsProvider,
  OIDCRoleArnCredentialsProvider,
  ProfileCredentialsProvider,
  StaticAKCredentialsProvider,
  StaticSTSCredentialsProvider,
  URICredentialsProvider,
} from './sdk.js';

export interface ExplicitKeys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

interface ChainEntry {
  source: string;
  make(): CredentialsProviderLike;
}

export interface CredentialChainInit {
  explicit?: ExplicitKeys;
  profile?: string;
  env: Env;
  home: string;
}

export interface ResolvedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  providerName: string;
}

/** A credentials provider (the shape `@alicloud/credentials` Credential accepts) that knows where its key came from. */
export class CredentialChain implements CredentialsProviderLike {
  readonly profile: ProfileChoice;
  readonly cliConfig: LoadedCliConfig;
  /** The source that answered (or, before the first call, the one that will be tried first). */
  source: string;
  /** Masked AccessKey ID of the last resolved key. */
  keyHint?: string;
  private readonly entries: ChainEntry[];
  private used?: { entry: ChainEntry; provider: CredentialsProviderLike };
  private readonly secretSet = new Set<string>();
  private readonly setupError?: CloudError;

  constructor(init: CredentialChainInit) {
    this.cliConfig = loadAliyunConfig(init.home, init.env);
    this.profile = chooseProfile(init.profile, init.env, this.cliConfig);
    const ini = loadIni(init.env, init.home);
    const iniSection = this.profile.name ?? 'default';
    if (init.explicit) {
      const k = init.explicit;
      this.entries = [{ source: 'explicit', make: () => staticProvider(k) }];
    } else {
      this.setupError = profileNotFound(this.profile, this.cliConfig, !!ini?.[iniSection]);
      this.entries = buildChain(init, this.profile, this.cliConfig.config, ini, iniSection);
    }
    this.source = this.entries[0]?.source ?? 'none';
  }

  /** Values to scrub from any text that leaves the process. */
  get secrets(): string[] {
    return [...this.secretSet];
  }

  getProviderName(): string {
    return 'netdoctor';
  }

  async getCredentials(): Promise<ResolvedCredentials & { securityToken: string }> {
    if (this.setupError) throw this.setupError;
    if (this.used) return this.remember(this.used.entry, await this.used.provider.getCredentials());
    const tried: string[] = [];
    for (const entry of this.entries) {
      let provider: CredentialsProviderLike;
      try {
        provider = entry.make();
        const c = await provider.getCredentials();
        if (!c?.accessKeyId || !c.accessKeySecret) throw new Error('empty key');
        this.used = { entry, provider };
        return this.remember(entry, c);
      } catch (e) {
        tried.push(`${entry.source} (${safeReason(e)})`);
      }
    }
    throw new CloudError({
      code: 'NO_CREDENTIALS',
      message: tried.length
        ? `No Alibaba Cloud credentials could be loaded; tried: ${tried.join('; ')}.`
        : 'No Alibaba Cloud credentials are configured.',
      hint: 'Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run `aliyun configure` (then optionally --profile NAME). To look at a server without a cloud account, use --ssh or --local; to try netdoctor, run `netdoctor demo`.',
    });
  }

  private remember(
    entry: ChainEntry,
    c: { accessKeyId: string; accessKeySecret: string; securityToken?: string; providerName: string },
  ): ResolvedCredentials & { securityToken: string } {
    this.source = entry.source;
    this.keyHint = maskKeyId(c.accessKeyId);
    this.secretSet.add(c.accessKeySecret);
    if (c.securityToken) this.secretSet.add(c.securityToken);
    // The SDK sends providerName as `x-acs-credentials-provider`; keep the library's own naming under ours.
    return {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken as string,
      providerName: `netdoctor/${entry.source.replace(/:.*/, '')}`,
    };
  }
}

function staticProvider(k: ExplicitKeys): CredentialsProviderLike {
  if (k.securityToken)
    return StaticSTSCredentialsProvider.builder()
      .withAccessKeyId(k.accessKeyId)
      .withAccessKeySecret(k.accessKeySecret)
      .withSecurityToken(k.securityToken)
      .build() as CredentialsProviderLike;
  return StaticAKCredentialsProvider.builder()
    .withAccessKeyId(k.accessKeyId)
    .withAccessKeySecret(k.accessKeySecret)
    .build() as CredentialsProviderLike;
}

function buildChain(
  init: CredentialChainInit,
  profile: ProfileChoice,
  cli: AliyunCliConfig | undefined,
  ini: Record<string, Record<string, string>> | undefined,
  iniSection: string,
): ChainEntry[] {
  const env = init.env;
  const out: ChainEntry[] = [];
  const explicitProfile = profile.via === 'flag';
  // An explicitly named profile wins over environment keys: the operator asked for it by name.
  if (!explicitProfile && env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    const k: ExplicitKeys = {
      accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined,
    };
    out.push({ source: 'env', make: () => staticProvider(k) });
  }
  if (
    !explicitProfile &&
    env.ALIBABA_CLOUD_ROLE_ARN &&
    env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN &&
    env.ALIBABA_CLOUD_OIDC_TOKEN_FILE
  ) {
    out.push({
      source: 'oidc_role_arn',
      make: () => {
        let b = OIDCRoleArnCredentialsProvider.builder()
          .withRoleArn(env.ALIBABA_CLOUD_ROLE_ARN!)
          .withOIDCProviderArn(env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN!)
          .withOIDCTokenFilePath(env.ALIBABA_CLOUD_OIDC_TOKEN_FILE!);
        if (env.ALIBABA_CLOUD_ROLE_SESSION_NAME)
          b = b.withRoleSessionName(env.ALIBABA_CLOUD_ROLE_SESSION_NAME);
        if (env.ALIBABA_CLOUD_STS_REGION) b = b.withStsRegionId(env.ALIBABA_CLOUD_STS_REGION);
        return b.build() as CredentialsProviderLike;
      },
    });
  }
  if (cli && profile.profile && !isTrue(env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED)) {
    const name = profile.profile.name;
    out.push({
      source: `cli_profile:${name}`,
      make: () => {
        const p = CLIProfileCredentialsProvider.builder().withProfileName(name).build() as any;
        p.homedir = init.home; // token-refresh callbacks write back to the CLI file under this home
        return p.getCredentialsProvider(cli, name) as CredentialsProviderLike;
      },
    });
  }
  if (ini?.[iniSection]) {
    out.push({
      source: `profile:${iniSection}`,
      make: () => {
        const p = ProfileCredentialsProvider.builder().withProfileName(iniSection).build();
        return p.getCredentialsProvider(ini) as CredentialsProviderLike;
      },
    });
  }
  if (explicitProfile) return out;
  if (
    !isTrue(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED) &&
    !isTrue(process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)
  ) {
    out.push({
      source: 'ecs_ram_role',
      make: () => {
        let b = ECSRAMRoleCredentialsProvider.builder();
        if (env.ALIBABA_CLOUD_ECS_METADATA) b = b.withRoleName(env.ALIBABA_CLOUD_ECS_METADATA);
        return b.build() as CredentialsProviderLike;
      },
    });
  }
  if (env.ALIBABA_CLOUD_CREDENTIALS_URI) {
    const uri = env.ALIBABA_CLOUD_CREDENTIALS_URI;
    out.push({
      source: 'credentials_uri',
      make: () => URICredentialsProvider.builder().withCredentialsURI(uri).build() as CredentialsProviderLike,
    });
  }
  return out;
}

/** `~/.alibabacloud/credentials` (or ALIBABA_CLOUD_CREDENTIALS_FILE): a plain INI file. */
export function loadIni(env: Env, home: string): Record<string, Record<string, string>> | undefined {
  const path = env.ALIBABA_CLOUD_CREDENTIALS_FILE || join(home, '.alibabacloud', 'credentials');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    const m = /^\[(.+)\]$/.exec(t);
    if (m) {
      section = out[m[1].trim()] = {};
      continue;
    }
    const eq = t.indexOf('=');
    if (section && eq > 0) section[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

/** A reason for a provider's failure that is safe to print (library messages can embed file contents). */
function safeReason(e: unknown): string {
  const m = String((e as Error)?.message ?? e);
  if (/IMDS|metadata|100\.100\.100\.200/i.test(m)) return 'no ECS metadata service';
  if (/unsupported profile mode '([^']*)'/.test(m))
    return `profile mode ${/unsupported profile mode '([^']*)'/.exec(m)![1]} is not supported`;
  if (/empty|must be specified|is empty/i.test(m)) return 'incomplete key';
  if (/ENOENT|reading/i.test(m)) return 'file missing';
  if (/ECONNREFUSED|ETIMEDOUT|ENOTFOUND|timeout/i.test(m)) return 'could not reach the credential service';
  if (/AssumeRole|sts/i.test(m)) return 'role assumption failed';
  return 'unavailable';
}
