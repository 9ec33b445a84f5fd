import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './net-guard.mjs';

process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
// Never read the developer's own ~/.aliyun, ~/.ssh or credentials: every test process gets an empty HOME.
if (!process.env.NETDOCTOR_KEEP_HOME) process.env.HOME = mkdtempSync(join(tmpdir(), 'nd-home-'));
for (const k of Object.keys(process.env)) {
  if (/^(ALIBABA_?CLOUD|ALICLOUD)_(ACCESS_KEY|SECURITY_TOKEN|PROFILE|REGION)/.test(k)) delete process.env[k];
}
