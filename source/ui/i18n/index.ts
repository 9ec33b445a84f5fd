/** The UI's words: pick a language from `--lang` or the locale, then translate keys with parameters. */
import type { FindingCode, HopId } from '../../model/index.js';
import { type Catalog, en, enFindings, enHops, type MessageKey } from './en.js';
import { zh, zhFindings, zhHops } from './zh.js';

export type Lang = 'en' | 'zh';
export type { MessageKey } from './en.js';

export interface Translator {
  lang: Lang;
  t(key: MessageKey, params?: Record<string, string | number | undefined>): string;
  finding(code: FindingCode | string): string;
  hop(id: HopId | string): string;
  hopShort(id: HopId | string): string;
}

const CATALOGS: Record<Lang, { msg: Catalog; findings: typeof enFindings; hops: typeof enHops }> = {
  en: { msg: en, findings: enFindings, hops: enHops },
  zh: { msg: zh, findings: zhFindings, hops: zhHops },
};

/** `--lang` wins; then LC_ALL, LC_MESSAGES, LANG (zh_CN.UTF-8, zh_TW… → zh); English otherwise. */
export function detectLang(env: NodeJS.ProcessEnv = process.env, flag?: string): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  const loc = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(loc) ? 'zh' : 'en';
}

const cache = new Map<Lang, Translator>();

export function translator(lang: Lang): Translator {
  const hit = cache.get(lang);
  if (hit) return hit;
  const c = CATALOGS[lang];
  const tr: Translator = {
    lang,
    t(key, params) {
      const s = c.msg[key] ?? en[key] ?? key;
      if (!params) return s;
      return s.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k])));
    },
    finding: (code) => c.findings[code as FindingCode] ?? code,
    hop: (id) => c.hops[id as HopId]?.name ?? id,
    hopShort: (id) => c.hops[id as HopId]?.short ?? id,
  };
  cache.set(lang, tr);
  return tr;
}
