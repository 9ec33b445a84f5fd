/**
 * `npm run screenshots`: renders the demo (`node dist/cli.js demo`: the simulated region, the real collectors and
 * the UI) in a real terminal emulator and writes the README's screenshots. node-pty runs it, @xterm/headless holds
 * the screen; each cell becomes SVG (backgrounds, colours, bold, dim, inverse; DejaVu Sans Mono with a CJK
 * fallback, fonts-wqy-microhei) and rsvg-convert (Debian librsvg2-bin) turns it into PNG. Next to every PNG a .txt
 * keeps the screen's text: test/e2e/screenshots.test.ts renders again and compares, so the README cannot drift.
 *
 * What would vary between runs is pinned: NETDOCTOR_CLOCK starts the clock at 12:20 on the incident's day
 * (Asia/Shanghai), NETDOCTOR_LIVE_SCALE=10 keeps the sources from refreshing again while the shots are taken (the
 * screen stays live), and the comparison masks what still depends on timing: clock times, ages, durations,
 * request ids (see `masked`). Shots of one size and language are taken in one run of the demo, in order.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Terminal } from '@xterm/headless';
import { cliPath, KEYS, ROOT, spawnTerm, type Term } from '../test/support/terminal.js';

/** The demo's incident is "silent at noon"; its drop rule went in 25 minutes before this. */
export const CLOCK = '2026-11-26T04:20:00Z';

export interface Shot {
  name: string;
  title: string;
  /** Keys pressed after the previous shot of the same run (the first: after the first verdict is on screen). */
  keys: string[];
  /** Text that must be on screen before the capture. */
  ready: string;
}

export interface ShotRun {
  cols: number;
  rows: number;
  lang: 'en' | 'zh';
  shots: Shot[];
}

const NAME = 'storefront-web-01';

export const RUNS: ShotRun[] = [
  {
    cols: 120,
    rows: 34,
    lang: 'en',
    shots: [
      {
        name: 'main',
        title: 'Main view: the verdict path and ranked findings',
        keys: [],
        ready: ' Findings ·',
      },
      { name: 'instance', title: 'Instance panel', keys: ['1'], ready: ' Instance ·' },
      {
        name: 'security',
        title: 'Security panel: the deciding rule and the rules it overrides',
        keys: ['2'],
        ready: ' Security ·',
      },
      { name: 'sockets', title: 'Sockets panel', keys: ['3'], ready: ' Sockets ·' },
      {
        name: 'routes',
        title: 'Routes panel: VPC and guest tables side by side',
        keys: ['4'],
        ready: ' Routes ·',
      },
      {
        name: 'bandwidth',
        title: 'Bandwidth panel: scaled to the EIP cap, loss marked',
        keys: ['5'],
        ready: ' Bandwidth ·',
      },
      {
        name: 'events',
        title: 'Events panel: cloud changes and the netdoctor timeline',
        keys: ['7'],
        ready: ' Events ·',
      },
      {
        name: 'drill-finding',
        title: 'Drill-down: a finding with its evidence and remedy',
        keys: ['6', KEYS.enter],
        // The breadcrumb only a drill-down shows (the findings panel's preview also says "Evidence").
        ready: 'Findings › ',
      },
      {
        name: 'drill-hop',
        title: 'Drill-down: a hop and the raw lines it came from',
        keys: [KEYS.escape, '3', ...'llllllll', 'd'],
        ready: 'Raw lines',
      },
      {
        name: 'help',
        title: 'Help, generated from the keymap',
        keys: [KEYS.escape, '?'],
        ready: 'Keys · type to filter',
      },
      {
        name: 'fix-list',
        title: 'x on a finding: its fixes, with their risk and how they are confirmed',
        keys: [KEYS.escape, '6', 'x'],
        ready: 'Fixes · ',
      },
      {
        name: 'fix-confirm',
        title:
          'The fix confirmation: the exact API call, the diff, what is verified, the undo; the name typed back',
        keys: [KEYS.enter],
        ready: `Type ${NAME} to confirm`,
      },
      {
        name: 'fix-done',
        title: 'Both causes fixed from the screen: the path turns DELIVERED',
        // After the first, wait for the refresh (the path bar stops at the listener), then the dead nginx (y).
        keys: [...NAME, KEYS.enter, '@DROPPED at listen ·', KEYS.escape, 'x', KEYS.enter, '@y applies', 'y'],
        ready: 'DROPPED → DELIVERED',
      },
    ],
  },
  {
    cols: 80,
    rows: 24,
    lang: 'en',
    shots: [{ name: 'main-80x24', title: 'The same at 80x24', keys: [], ready: ' Findings ·' }],
  },
  {
    cols: 120,
    rows: 34,
    lang: 'zh',
    shots: [
      { name: 'zh-main', title: 'Chinese UI', keys: [], ready: ' 发现 ·' },
      { name: 'zh-security', title: 'Chinese UI: Security panel', keys: ['2'], ready: ' 安全 ·' },
      {
        name: 'zh-fix-confirm',
        title: 'Chinese UI: a fix confirmation',
        keys: ['6', 'x', KEYS.enter],
        ready: `输入 ${NAME} 确认`,
      },
    ],
  },
];

export const SHOTS: Shot[] = RUNS.flatMap((r) => r.shots);

/** Starts the demo for one run, pinned (clock, no refresh while shooting), and waits for the first verdict. */
export async function startRun(run: ShotRun): Promise<Term> {
  const cli = cliPath();
  if (!cli) throw new Error("dist/cli.js is missing: run 'node scripts/build.mjs' first");
  const home = mkdtempSync(join(tmpdir(), 'nd-shots-home-'));
  const t = spawnTerm(process.execPath, [cli, 'demo', '--lang', run.lang], {
    cols: run.cols,
    rows: run.rows,
    env: {
      TZ: 'Asia/Shanghai',
      LANG: 'C.UTF-8',
      LC_ALL: undefined,
      COLORTERM: undefined,
      HOME: home,
      XDG_CONFIG_HOME: undefined,
      XDG_STATE_HOME: undefined,
      NETDOCTOR_AUDIT_FILE: join(home, 'audit.jsonl'),
      NETDOCTOR_CLOCK: CLOCK,
      NETDOCTOR_LIVE_SCALE: '10',
    },
  });
  await t.waitForText('i-bp1k6jsb2wslxp48772b', 30_000);
  await t.waitRaw();
  return t;
}

/**
 * Presses a shot's keys and waits until it is ready and quiet. A key written `@TEXT` is a wait for TEXT on
 * screen, and each key waits for the frame it causes: pressing ahead could merge Esc with the next key.
 */
export async function takeShot(t: Term, shot: Shot): Promise<void> {
  for (const k of shot.keys) {
    if (k.startsWith('@')) {
      await t.waitForText(k.slice(1), 20_000);
      continue;
    }
    t.press(k);
    await t.settle(120);
  }
  await t.waitForText(shot.ready, 20_000);
  // Nothing in flight (⟳): a refresh after a fix lands source by source.
  await t.waitFor((s) => !s.includes('⟳'), 'every source settled', 20_000);
  await t.settle(300);
}

export function shotText(t: Term): string {
  return `${t.lines().join('\n').trimEnd()}\n`;
}

/**
 * A screen's text with what depends on timing masked: times of day, ages and durations, request ids, and the
 * padding that moves with them. What is left (every word, rule, path and number that is not a time) must match.
 */
export function masked(text: string): string {
  return text
    .split('\n')
    .map((l) =>
      l
        .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?/g, 'DATE')
        .replace(/\b\d{2}-\d{2} \d{2}:\d{2}\b/g, 'DATE')
        .replace(/\b\d{1,2}:\d{2}:\d{2}\b/g, 'TIME')
        .replace(/\b[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\b/gi, 'ID')
        .replace(/\d+(\.\d+)?\s?(ms|s|m|h|d|秒|分钟|小时|天)(?![a-z])/g, 'N')
        .replace(/\s+/g, ' ')
        .trimEnd(),
    )
    .join('\n');
}

// xterm's default 16 colours (VS Code-like, as @xterm/xterm ships them) and the 256-colour cube.
const BASE16 = [
  '#000000',
  '#cd3131',
  '#0dbc79',
  '#e5e510',
  '#2472c8',
  '#bc3fbc',
  '#11a8cd',
  '#e5e5e5',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#ffffff',
];
function palette(i: number): string {
  if (i < 16) return BASE16[i];
  if (i < 232) {
    const n = i - 16;
    const v = [0, 95, 135, 175, 215, 255];
    const c = [v[Math.floor(n / 36)], v[Math.floor(n / 6) % 6], v[n % 6]];
    return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
  }
  const g = 8 + (i - 232) * 10;
  return `#${g.toString(16).padStart(2, '0').repeat(3)}`;
}
const BG = '#1e1e1e';
const FG = '#d4d4d4';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The emulator's screen as SVG, cell by cell. */
export function screenSvg(term: Terminal, title: string): string {
  const cw = 8.43;
  const ch = 17;
  const pad = 12;
  const W = Math.ceil(term.cols * cw + 2 * pad);
  const H = Math.ceil(term.rows * ch + 2 * pad);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="${BG}" rx="6"/>`,
    `<g font-family="DejaVu Sans Mono, WenQuanYi Micro Hei Mono, monospace" font-size="14">`,
  ];
  const buf = term.buffer.active;
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    if (!line) continue;
    for (let x = 0; x < term.cols; x++) {
      const c = line.getCell(x);
      if (!c || c.getWidth() === 0) continue;
      let fg = c.isFgDefault()
        ? FG
        : c.isFgRGB()
          ? `#${c.getFgColor().toString(16).padStart(6, '0')}`
          : palette(c.getFgColor());
      let bg = c.isBgDefault()
        ? undefined
        : c.isBgRGB()
          ? `#${c.getBgColor().toString(16).padStart(6, '0')}`
          : palette(c.getBgColor());
      if (c.isInverse()) {
        const f = fg;
        fg = bg ?? BG;
        bg = f;
      }
      const px = pad + x * cw;
      const py = pad + y * ch;
      const w = c.getWidth() * cw;
      if (bg)
        out.push(
          `<rect x="${px.toFixed(2)}" y="${py}" width="${(w + 0.3).toFixed(2)}" height="${ch}" fill="${bg}"/>`,
        );
      const chars = c.getChars();
      if (!chars || chars === ' ') continue;
      const attrs = [`x="${px.toFixed(2)}"`, `y="${py + 13}"`, `fill="${fg}"`];
      if (c.isBold()) attrs.push('font-weight="bold"');
      if (c.isDim()) attrs.push('fill-opacity="0.6"');
      if (c.getWidth() === 2) attrs.push(`textLength="${w.toFixed(2)}"`, 'lengthAdjust="spacingAndGlyphs"');
      out.push(`<text ${attrs.join(' ')}>${esc(chars)}</text>`);
    }
  }
  out.push('</g></svg>');
  return out.join('\n');
}

async function main() {
  const dir = join(ROOT, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'nd-shots-'));
  const index: string[] = [
    '# Screenshots',
    '',
    'Generated by `npm run screenshots` from `netdoctor demo` (do not edit by hand).',
    '',
  ];
  for (const run of RUNS) {
    const t = await startRun(run);
    try {
      for (const shot of run.shots) {
        await takeShot(t, shot);
        const svg = screenSvg(t.xterm, shot.title);
        writeFileSync(join(dir, `${shot.name}.txt`), shotText(t));
        const svgFile = join(tmp, `${shot.name}.svg`);
        writeFileSync(svgFile, svg);
        execFileSync('rsvg-convert', ['-z', '1', '-o', join(dir, `${shot.name}.png`), svgFile]);
        index.push(`## ${shot.title}`, '', `![${shot.title}](${shot.name}.png)`, '');
        process.stdout.write(`✔ screenshots/${shot.name}.png (${run.cols}x${run.rows} ${run.lang})\n`);
      }
    } finally {
      t.press(KEYS.ctrlC);
      await t.waitExit().catch(() => undefined);
      t.close();
    }
  }
  writeFileSync(join(dir, 'README.md'), index.join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`screenshots failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
