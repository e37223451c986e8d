import { describe, expect, it } from 'vitest';
import { attributeName, bestLine, escapeRegExp } from '../../src/evidence/line-search.js';

const PATH = ['services', 'openssh', 'settings', 'PermitRootLogin'];
const assigns = (text: string) => new RegExp(`${attributeName('PermitRootLogin')}\\s*=`).test(text);

describe('escapeRegExp', () => {
  it('escapes every character a regular expression gives a meaning', () => {
    const special = '.*+?^${}()|[]\\';
    expect(new RegExp(`^${escapeRegExp(special)}$`).test(special)).toBe(true);
    expect(escapeRegExp(special)).toBe(special.replace(/./g, '\\$&'));
    expect(escapeRegExp('kernel-kptr_restrict/1')).toBe('kernel-kptr_restrict/1');
  });
});

describe('attributeName', () => {
  it('matches the name bare or quoted, with dots taken literally', () => {
    const name = new RegExp(`^${attributeName('kernel.kptr_restrict')}$`);
    expect(name.test('"kernel.kptr_restrict"')).toBe(true);
    expect(name.test('kernel.kptr_restrict')).toBe(true);
    expect(name.test('kernelXkptr_restrict')).toBe(false);
    expect(name.test('"kernelXkptr_restrict"')).toBe(false);
  });
});

describe('bestLine', () => {
  it('prefers the line that spells out more of the path, wherever it is', () => {
    const lines = ['  PermitRootLogin = "yes";', '  openssh.settings.PermitRootLogin = "no";', '  settings.PermitRootLogin = "no";'];
    expect(bestLine(lines, PATH, assigns)).toBe(2);
    expect(bestLine([lines[0]!, lines[2]!], PATH, assigns)).toBe(2);
  });

  it('counts every segment of the path, the first one too', () => {
    const assignsB = (text: string) => /\bb\s*=/.test(text);
    expect(bestLine(['b = 1;', 'a.b = 2;'], ['a', 'b'], assignsB)).toBe(2);
    expect(bestLine(['PermitRootLogin = 1;', 'settings.PermitRootLogin = 2;', 'openssh.settings.PermitRootLogin = 3;'], PATH, assigns)).toBe(3);
  });

  it('counts only the segments right before the attribute, without gaps', () => {
    // `openssh.PermitRootLogin` skips `settings`: only the attribute itself counts.
    const lines = ['  openssh.PermitRootLogin = "yes";', '  settings.PermitRootLogin = "no";'];
    expect(bestLine(lines, PATH, assigns)).toBe(2);
  });

  it('of equally specific lines, takes the first', () => {
    expect(bestLine(['PermitRootLogin = "a";', 'PermitRootLogin = "b";'], PATH, assigns)).toBe(1);
    expect(bestLine(['settings.PermitRootLogin = "a";', 'x = 1;', 'settings.PermitRootLogin = "b";'], PATH, assigns)).toBe(1);
  });

  it('never chooses a commented-out assignment, but a line with a comment after it counts', () => {
    expect(bestLine(['  # settings.PermitRootLogin = "yes";', '  PermitRootLogin = "no";'], PATH, assigns)).toBe(2);
    expect(bestLine(['#settings.PermitRootLogin = "yes";'], PATH, assigns)).toBeUndefined();
    expect(bestLine(['PermitRootLogin = "a";', 'settings.PermitRootLogin = "no"; # not "yes"'], PATH, assigns)).toBe(2);
  });

  it('asks `accept` about each line with its index', () => {
    const seen: [string, number][] = [];
    bestLine(['a', 'b'], ['x'], (text, i) => {
      seen.push([text, i]);
      return false;
    });
    expect(seen).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(bestLine(['PermitRootLogin = 1;'], PATH, () => false)).toBeUndefined();
  });

  it('reads the path only before the assignment; an accepted line without one spells out nothing', () => {
    expect(bestLine(['a = settings.PermitRootLogin;', 'settings.PermitRootLogin = 1;'], PATH, () => true)).toBe(2);
    expect(bestLine(['settings.PermitRootLogin', 'settings.PermitRootLogin = 1;'], PATH, () => true)).toBe(2);
  });

  it('has no line for an empty path', () => {
    expect(bestLine(['x = 1;'], [], () => true)).toBeUndefined();
  });
});
