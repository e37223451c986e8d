import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { loadYaml, parseYaml } from '../../src/util/yaml-source.js';
import { tempDir } from '../helpers/paths.js';
import { inputError } from '../helpers/errors.js';

const anything = (() => true) as never;
const parse = (text: string) => parseYaml<Record<string, unknown>>('f.yaml', text, anything, 'suite');

describe('YAML anchors and aliases', () => {
  it('reusing one anchor a hundred times is ordinary YAML', () => {
    const text = 'base: &defaults { host: laptop, timeout: 5 }\n' + Array.from({ length: 100 }, (_, i) => `case${i}: *defaults`).join('\n');
    const { data } = parse(text);
    expect(Object.keys(data)).toHaveLength(101);
    expect(data['case99']).toEqual({ host: 'laptop', timeout: 5 });
  });

  it('an alias bomb is refused at the alias where the expansion passes the limit', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']]) {
      levels.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const e = inputError(() => parse(levels.join('\n')));
    expect(e.message).toMatch(/^suite f\.yaml cannot be loaded\n {2}f\.yaml:5:\d+: aliases expand this file to more than 100000 values \(an alias bomb\?\)/);
  });

  it('an alias to no anchor is refused at the alias', () => {
    expect(inputError(() => parse('a: 1\nb: *nowhere')).message).toContain('f.yaml:2:4: the alias *nowhere refers to no anchor &nowhere before it');
  });

  it('an alias inside the collection it names (circular data) is refused', () => {
    expect(inputError(() => parse('cases: &c [1, *c]')).message).toContain('f.yaml:1:15: the alias *c refers to the collection it is in');
  });

  it('nesting deep enough to exhaust the parser is refused before parsing', () => {
    expect(inputError(() => parse('a: ' + '['.repeat(5000) + ']'.repeat(5000))).message).toContain('f.yaml:1:260: brackets nest more than 256 levels deep');
    expect(inputError(() => parse('- '.repeat(3000) + 'x')).message).toContain('f.yaml:1:513: indentation nests more than 256 levels deep');
  });
});

describe('YAML files that are not UTF-8', () => {
  it('are refused at the line and column of the first bad byte, never decoded with replacement characters', async () => {
    const file = join(tempDir(), 'suite.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('cases:\n  - name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const e = await loadYaml(file, anything, 'suite').then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(InputError);
    expect(e!.message).toMatch(/suite .*suite\.yaml is not UTF-8\n {2}.*suite\.yaml:2:14: byte 0xe9 \(offset 20\) does not start a valid UTF-8 character/);
  });

  it('accept every well-formed UTF-8 file, BOM and astral characters included', async () => {
    const file = join(tempDir(), 'suite.yaml');
    writeFileSync(file, '\ufeffname: "café 🚀"\n');
    expect((await loadYaml<{ name: string }>(file, anything, 'suite')).data.name).toBe('café 🚀');
  });
});
