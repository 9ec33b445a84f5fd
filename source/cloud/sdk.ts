/**
 * The Alibaba SDK packages are CommonJS modules that put their main class on `exports.default`. Imported from
 * ESM (Node, tsx, vitest, the esbuild bundle), `default` is the whole `module.exports`, so the class sits one
 * level deeper than TypeScript's view. Resolve both shapes once, here, so the rest of the code is typed plainly.
 */
import * as CredentialsNs from '@alicloud/credentials';
import * as OpenApiNs from '@alicloud/openapi-client';
import * as OpenApiUtilNs from '@alicloud/openapi-util';
import * as TeaUtilNs from '@alicloud/tea-util';

function unwrap<T>(ns: unknown, name: string): T {
  const n = ns as Record<string, any>;
  if (name !== 'default' && n[name] !== undefined) return n[name] as T;
  const d = n.default;
  if (name === 'default') return (d && typeof d === 'object' && 'default' in d ? d.default : d) as T;
  return (d?.[name] ?? d?.default?.[name]) as T;
}

export const OpenApiClient = unwrap<typeof OpenApiNs.default.default>(OpenApiNs, 'default');
export const OpenApiConfig = unwrap<typeof OpenApiNs.Config>(OpenApiNs, 'Config');
export const OpenApiParams = unwrap<typeof OpenApiNs.Params>(OpenApiNs, 'Params');
export const OpenApiRequest = unwrap<typeof OpenApiNs.OpenApiRequest>(OpenApiNs, 'OpenApiRequest');
export const OpenApiUtil = unwrap<typeof OpenApiUtilNs.default.default>(OpenApiUtilNs, 'default');
export const RuntimeOptions = unwrap<typeof TeaUtilNs.RuntimeOptions>(TeaUtilNs, 'RuntimeOptions');

export const Credential = unwrap<typeof CredentialsNs.default.default>(CredentialsNs, 'default');
export const StaticAKCredentialsProvider = unwrap<typeof CredentialsNs.StaticAKCredentialsProvider>(
  CredentialsNs,
  'StaticAKCredentialsProvider',
);
export const StaticSTSCredentialsProvider = unwrap<typeof CredentialsNs.StaticSTSCredentialsProvider>(
  CredentialsNs,
  'StaticSTSCredentialsProvider',
);
export const CLIProfileCredentialsProvider = unwrap<typeof CredentialsNs.CLIProfileCredentialsProvider>(
  CredentialsNs,
  'CLIProfileCredentialsProvider',
);
export const ProfileCredentialsProvider = unwrap<typeof CredentialsNs.ProfileCredentialsProvider>(
  CredentialsNs,
  'ProfileCredentialsProvider',
);
export const OIDCRoleArnCredentialsProvider = unwrap<typeof CredentialsNs.OIDCRoleArnCredentialsProvider>(
  CredentialsNs,
  'OIDCRoleArnCredentialsProvider',
);
export const ECSRAMRoleCredentialsProvider = unwrap<typeof CredentialsNs.ECSRAMRoleCredentialsProvider>(
  CredentialsNs,
  'ECSRAMRoleCredentialsProvider',
);
export const URICredentialsProvider = unwrap<typeof CredentialsNs.URICredentialsProvider>(
  CredentialsNs,
  'URICredentialsProvider',
);

export type OpenApiClientType = InstanceType<typeof OpenApiNs.default.default>;
/** What every `@alicloud/credentials` provider implements. */
export interface CredentialsProviderLike {
  getCredentials(): Promise<{
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    providerName: string;
  }>;
  getProviderName(): string;
}
