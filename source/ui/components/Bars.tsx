/**
 * The two bottom lines. The status line shows where you are (breadcrumbs), what you type (filter, command
 * line with completions) and the last message. The footer lists key hints generated from the keymap for the
 * current mode, so a rebinding in keys.json shows up here too.
 */
import type { Translator } from '../i18n/index.js';
import type { CommandId, Mode } from '../keymap/commands.js';
import type { Keymap } from '../keymap/keymap.js';
import { displayKey } from '../keymap/keys.js';
import { fitSpans, packSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import type { Span } from '../view/types.js';

export function StatusLine(p: {
  mode: Mode;
  crumbs: string[];
  input: string;
  completions?: { items: string[]; index: number };
  message?: { text: string; tone: Span['tone'] };
  width: number;
  tr: Translator;
}) {
  let spans: Span[];
  if (p.mode === 'filter') {
    spans = [
      { text: ' /', tone: 'accent', bold: true },
      { text: p.input, bold: true },
      { text: '█', tone: 'accent' },
    ];
  } else if (p.mode === 'command') {
    spans = [
      { text: ' :', tone: 'accent', bold: true },
      { text: p.input, bold: true },
      { text: '█', tone: 'accent' },
    ];
    if (p.completions && p.completions.items.length > 1) {
      spans.push({ text: '   ' });
      p.completions.items.slice(0, 8).forEach((c, i) => {
        spans.push({
          text: `${i ? ' │ ' : ''}${c}`,
          tone: i === p.completions?.index ? 'accent' : 'dim',
          bold: i === p.completions?.index,
        });
      });
    }
  } else {
    spans = [{ text: ' ' }];
    p.crumbs.forEach((c, i) => {
      if (i) spans.push({ text: ' › ', tone: 'dim' });
      spans.push({
        text: c,
        bold: i === p.crumbs.length - 1,
        tone: i === p.crumbs.length - 1 ? undefined : 'dim',
      });
    });
    if (p.message) spans.push({ text: '   ' }, { text: p.message.text, tone: p.message.tone });
  }
  return <Line spans={fitSpans(spans, p.width)} />;
}

/** Footer hints for a mode: the keymap's footer commands in order, pairs collapsed (1-7, [ ], ←→). */
export function footerHints(keymap: Keymap, mode: Mode, tr: Translator): Span[][] {
  // In text entry printable keys type text, so show the key that still works there (↓ rather than j).
  const typing = mode === 'filter' || mode === 'command' || mode === 'help' || mode === 'confirm';
  const key = (id: CommandId) => {
    const keys = keymap.keysOf(id);
    return displayKey((typing ? keys.find((k) => k.length > 1) : undefined) ?? keys[0] ?? '?');
  };
  const cmds = keymap.commands.filter(
    (c) => c.footer !== undefined && c.modes.includes(mode) && c.keys.length,
  );
  cmds.sort((a, b) => (a.footer ?? 0) - (b.footer ?? 0));
  return cmds.map((c) => {
    let label = key(c.id);
    let desc = tr.t(c.description);
    if (c.id === 'panel1') {
      label = `${key('panel1')}-${key('panel7')}`;
      desc = tr.t('footer.panels');
    } else if (c.id === 'nextIntent') {
      label = `${key('prevIntent')} ${key('nextIntent')}`;
      desc = tr.t('footer.intent');
    } else if (c.id === 'hopLeft') {
      label = `${key('hopLeft')}${key('hopRight')}`;
      desc = tr.t('footer.hop');
    }
    return [{ text: label, tone: 'accent', bold: true }, { text: ` ${desc}` }] as Span[];
  });
}

/** A y/n confirmation takes single keys, not the text-entry keys its mode lists. */
function yesNoHints(tr: Translator): Span[][] {
  return [
    [{ text: 'y', tone: 'accent', bold: true }, { text: ` ${tr.t('confirm.applyKey')}` }],
    [{ text: 'n Esc', tone: 'accent', bold: true }, { text: ` ${tr.t('cmd.cancel')}` }],
    [{ text: '↑↓', tone: 'accent', bold: true }, { text: ` ${tr.t('confirm.scrollKey')}` }],
  ];
}

export function Footer(p: { keymap: Keymap; mode: Mode; width: number; tr: Translator; yesNo?: boolean }) {
  const hints = p.yesNo ? yesNoHints(p.tr) : footerHints(p.keymap, p.mode, p.tr);
  return <Line spans={[{ text: ' ' }, ...packSpans(hints, p.width - 1, { text: '  ' })]} />;
}
