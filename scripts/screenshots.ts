/**
 * `npm run screenshots`: renders the UI in a real terminal emulator and writes README screenshots.
 * The storefront fixture runs behind the real runApp (test/e2e/fixture-app.tsx) with a fixed clock, in node-pty;
 * @xterm/headless holds the screen; each cell becomes SVG (backgrounds, colours, bold, dim, inverse; DejaVu Sans
 * Mono with a CJK fallback) and rsvg-convert (Debian librsvg2-bin) turns it into PNG. Next to every PNG a .txt
 * keeps the screen's text: test/e2e/screenshots.test.ts renders again and compares, so the README cannot drift.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Terminal } from '@xterm/headless';
import { buildFixtureApp, KEYS, ROOT, spawnTerm, type Term } from '../test/support/terminal.js';

export interface Shot {
  name: string;
  title: string;
  cols: number;
  rows: number;
  lang: 'en' | 'zh';
  keys: string[];
  /** Text that must be on screen before the capture. */
  ready: string;
}

export const SHOTS: Shot[] = [
  {
    name: 'main',
    title: 'Main view: the verdict path and ranked findings',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: [],
    ready: ' Findings ·',
  },
  {
    name: 'main-80x24',
    title: 'The same at 80x24',
    cols: 80,
    rows: 24,
    lang: 'en',
    keys: [],
    ready: ' Findings ·',
  },
  {
    name: 'instance',
    title: 'Instance panel',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['1'],
    ready: ' Instance ·',
  },
  {
    name: 'security',
    title: 'Security panel: the deciding rule and the rule it shadows',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['2'],
    ready: ' Security ·',
  },
  {
    name: 'sockets',
    title: 'Sockets panel',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['3'],
    ready: ' Sockets ·',
  },
  {
    name: 'routes',
    title: 'Routes panel: VPC and guest tables side by side',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['4'],
    ready: ' Routes ·',
  },
  {
    name: 'bandwidth',
    title: 'Bandwidth panel: scaled to the EIP cap, loss marked',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['5'],
    ready: ' Bandwidth ·',
  },
  {
    name: 'events',
    title: 'Events panel: cloud changes and netdoctor timeline',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['7'],
    ready: ' Events ·',
  },
  {
    name: 'drill-finding',
    title: 'Drill-down: a finding with its evidence and remedy',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: [KEYS.enter],
    // The breadcrumb only a drill-down shows (the findings panel's preview also says "Evidence").
    ready: 'Findings › ',
  },
  {
    name: 'drill-hop',
    title: 'Drill-down: a hop and the raw lines it came from',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['3', ...'llllllllll'.split(''), 'd'],
    ready: 'Raw lines',
  },
  {
    name: 'help',
    title: 'Help, generated from the keymap',
    cols: 120,
    rows: 34,
    lang: 'en',
    keys: ['?'],
    ready: 'Keys · type to filter',
  },
  { name: 'zh-main', title: 'Chinese UI', cols: 120, rows: 34, lang: 'zh', keys: [], ready: ' 发现 ·' },
  {
    name: 'zh-security',
    title: 'Chinese UI: Security panel',
    cols: 120,
    rows: 34,
    lang: 'zh',
    keys: ['2'],
    ready: ' 安全 ·',
  },
];

/** Runs the fixture app for one shot and returns the terminal once the screen is ready and quiet. */
export async function runShot(app: string, shot: Shot): Promise<Term> {
  const t = spawnTerm(process.execPath, [app, '--still', '--lang', shot.lang], {
    cols: shot.cols,
    rows: shot.rows,
    env: { TZ: 'Asia/Shanghai', LANG: 'C.UTF-8', LC_ALL: undefined, COLORTERM: undefined },
  });
  await t.waitForText(shot.lang === 'zh' ? ' 发现 ·' : ' Findings ·', 20_000);
  await t.waitRaw();
  for (const k of shot.keys) t.press(k);
  await t.waitForText(shot.ready);
  await t.settle(250);
  return t;
}

export function shotText(t: Term): string {
  return `${t.lines().join('\n').trimEnd()}\n`;
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
  const app = await buildFixtureApp();
  const tmp = mkdtempSync(join(tmpdir(), 'nd-shots-'));
  const index: string[] = [
    '# Screenshots',
    '',
    'Generated by `npm run screenshots` (do not edit by hand).',
    '',
  ];
  for (const shot of SHOTS) {
    const t = await runShot(app, shot);
    const svg = screenSvg(t.xterm, shot.title);
    writeFileSync(join(dir, `${shot.name}.txt`), shotText(t));
    const svgFile = join(tmp, `${shot.name}.svg`);
    writeFileSync(svgFile, svg);
    execFileSync('rsvg-convert', ['-z', '1', '-o', join(dir, `${shot.name}.png`), svgFile]);
    t.press(KEYS.ctrlC);
    await t.waitExit();
    t.close();
    index.push(`## ${shot.title}`, '', `![${shot.title}](${shot.name}.png)`, '');
    process.stdout.write(`✔ screenshots/${shot.name}.png (${shot.cols}x${shot.rows} ${shot.lang})\n`);
  }
  writeFileSync(join(dir, 'README.md'), index.join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`screenshots failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
