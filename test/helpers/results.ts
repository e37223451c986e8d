import { Writable } from 'node:stream';
import { priorityName } from '../../src/evidence/evidence.js';
import { summarize, type CaseResult, type Evidence, type RunResult } from '../../src/result/model.js';

/** A stdout that keeps what was written. */
export class FakeStdout extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
}

export function makeCase(i: number, verdict: CaseResult['verdict'], extra: Partial<CaseResult> = {}): CaseResult {
  return {
    id: `c${i}`,
    kind: 'unit',
    suite: 'demo',
    suiteFile: 'suites/unit/demo.yaml',
    name: `case ${i}`,
    location: { file: 'suites/unit/demo.yaml', line: 10 + i, column: 5 },
    target: { label: 'laptop', host: 'laptop' },
    path: `a.b${i}`,
    root: 'config',
    verdict,
    expected: 'equals true',
    ...(verdict === 'error' ? { error: `error: boom ${i}\nsecond line` } : { actual: false, exists: true }),
    durationMs: 1,
    cached: false,
    ...extra,
  };
}

/** The evidence of `option` defined once by the user, in hosts/laptop.nix at `line`, with `priority`. */
export function userEvidence(option: string, line: number, priority: number): Evidence {
  return {
    option,
    isDefined: true,
    priority,
    priorityName: priorityName(priority),
    source: 'user',
    definitions: [{ file: '/nix/store/x-source/hosts/laptop.nix', origin: 'user', localFile: 'hosts/laptop.nix', line, priority }],
    overridden: [],
    declarations: [],
  };
}

export function runResult(cases: CaseResult[]): RunResult {
  return {
    schemaVersion: 1,
    tool: { name: 'nixcheck', version: '0.0.0' },
    nix: { version: '2.8.0' },
    startedAt: new Date(0).toISOString(),
    durationMs: 1234,
    evaluations: [{ target: 'laptop', durationMs: 1000, cached: false, processes: 1 }],
    cases,
    summary: summarize(cases),
  };
}
