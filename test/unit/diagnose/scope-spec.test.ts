/** `--scope` values: the three kinds, a named resource, and the usage error (exit 2) for anything else. */
import { describe, expect, it } from 'vitest';
import { parseScopeSpec } from '../../../source/engine/scope.js';
import { ConfigError } from '../../../source/engine/setup.js';

describe('parseScopeSpec', () => {
  it.each([
    ['sg', { kind: 'sg' }],
    ['SG', { kind: 'sg' }],
    ['security-group', { kind: 'sg' }],
    ['vswitch', { kind: 'vswitch' }],
    ['vsw', { kind: 'vswitch' }],
    ['vpc', { kind: 'vpc' }],
    [' vpc ', { kind: 'vpc' }],
    ['sg:sg-bp14wnzi5gnpzd1smd7v', { kind: 'sg', id: 'sg-bp14wnzi5gnpzd1smd7v' }],
    ['vswitch:vsw-bp1cez4yh5abaqtyxnmd', { kind: 'vswitch', id: 'vsw-bp1cez4yh5abaqtyxnmd' }],
    ['sg-bp14wnzi5gnpzd1smd7v', { kind: 'sg', id: 'sg-bp14wnzi5gnpzd1smd7v' }],
    ['vpc-bp11ra8wq594tuaxlox6', { kind: 'vpc', id: 'vpc-bp11ra8wq594tuaxlox6' }],
  ])('%s', (text, spec) => {
    expect(parseScopeSpec(text)).toEqual(spec);
  });

  it.each(['zone', 'region', '', 'sg:vsw-bp1cez4yh5abaqtyxnmd', 'sg:sg-a:b', 'instance'])(
    'rejects "%s" as a usage error that says what to write',
    (text) => {
      let err: unknown;
      try {
        parseScopeSpec(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(2);
      expect((err as Error).message).toContain('is not vswitch, sg or vpc');
      expect((err as Error).message).toContain('--scope sg');
    },
  );
});
