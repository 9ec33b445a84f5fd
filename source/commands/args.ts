/** Command-line parsing: one table of options shared by every command (DESIGN.md §3). */
import { parseArgs } from 'node:util';

export const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  json: { type: 'boolean' },
  scenario: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  endpoint: { type: 'string' },
  signature: { type: 'string' },
  via: { type: 'string' },
  ssh: { type: 'string' },
  local: { type: 'boolean' },
  identity: { type: 'string', short: 'i' },
  'known-hosts': { type: 'string' },
  jump: { type: 'string', short: 'J' },
  'accept-new-host-key': { type: 'boolean' },
  port: { type: 'string', short: 'p', multiple: true },
  from: { type: 'string' },
  outbound: { type: 'string', multiple: true },
  to: { type: 'string', multiple: true },
  intent: { type: 'string', multiple: true },
  scope: { type: 'string' },
  'no-probes': { type: 'boolean' },
  me: { type: 'string' },
  'echo-url': { type: 'string' },
  lang: { type: 'string' },
  'read-only': { type: 'boolean' },
  'war-room': { type: 'boolean' },
  keymap: { type: 'string' },
  listen: { type: 'string' },
  'ssh-listen': { type: 'string' },
  remedy: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  timeout: { type: 'string' },
  'metadata-url': { type: 'string' },
  audit: { type: 'string' },
} as const;

export type Options = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

export interface Parsed {
  command: 'ui' | 'demo' | 'check' | 'scenarios' | 'sim' | 'fix' | 'help' | 'version';
  positionals: string[];
  options: Options;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS = new Set(['demo', 'check', 'scenarios', 'sim', 'fix', 'help']);

/** `--outbound` may come without a value (= the internet): give it one so parseArgs accepts it. */
function normaliseArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--outbound' && (i + 1 >= argv.length || argv[i + 1].startsWith('-')))
      out.push('--outbound=internet');
    else out.push(a);
  }
  return out;
}

export function parse(argv: string[]): Parsed {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: normaliseArgv(argv),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const options = values as Options;
  if (options.version) return { command: 'version', positionals, options };
  let command: Parsed['command'] = 'ui';
  if (positionals.length && COMMANDS.has(positionals[0])) command = positionals.shift() as Parsed['command'];
  if (options.help) command = 'help';
  return { command, positionals, options };
}

export const USAGE = `netdoctor — why can't this Alibaba Cloud ECS server be reached, and what is the safest fix?

Usage
  netdoctor                               full-screen UI; no target → a hint to try the demo
  netdoctor TARGET                        UI for one target (instance id, name, or public/private IP)
  netdoctor demo [SCENARIO]               embedded simulated region + UI (default: storefront)
  netdoctor check TARGET [intents] --json one verdict for scripts (exit 0 ok, 1 blocked/critical, 2 usage, 3 undecided)
  netdoctor fix TARGET --remedy ID [--yes] apply one remedy from check --json (previewed, verified, audited)
  netdoctor scenarios                     list the built-in scenarios
  netdoctor sim [--scenario S] [--listen 127.0.0.1:0]   serve the simulated region (prints its endpoints)

Target
  --scenario NAME|FILE     run against the embedded simulated region in-process
  --ssh [user@]host[:port] a guest over SSH, no cloud account needed
  --local                  this machine (discovers instance id and region from the ECS metadata service)

Intents (default: SSH from me, each listening service from the internet, outbound internet, DNS)
  --port N[/tcp|/udp]      inbound port (repeatable)      --from me|CIDR|INSTANCE   source (22: me; others: internet)
  --outbound [HOST:PORT]   outbound to a host or the internet                 --to INSTANCE[:PORT]  instance to instance
  --intent "tcp/443 from me"  any intent in words (repeatable)              --scope vswitch|sg|vpc  check neighbours too
  --me IP | --echo-url URL    the operator's egress address (default: asked from an echo service)
  --no-probes              no operator-side probes

Cloud      --region R  --profile P (aliyun CLI)  --endpoint URL (every product to one endpoint)  --signature v2|v3
Guest      --via ssh|assistant|local|none  -i/--identity FILE  --known-hosts FILE  -J/--jump [user@]host[:port]
           --accept-new-host-key (append an unknown host key to known_hosts after showing its fingerprint)
UI         --lang en|zh  --read-only  --war-room  --keymap FILE
Output     --json

Examples
  npm start                                         the demo: a storefront whose 443 went silent at noon
  netdoctor check --scenario storefront --json
  netdoctor check i-bp1abc --port 443 --port 22 --from me
  netdoctor check --ssh root@203.0.113.10 -i ~/.ssh/id_ed25519 --json
`;
