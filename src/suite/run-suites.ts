import { createHash } from 'node:crypto';
import { resolveEvidence } from '../evidence/evidence.js';
import { addFullEvidence, fullEvidenceItem, withFullEvidence } from '../evidence/overridden.js';
import type { SourceLocator } from '../evidence/source-locator.js';
import { throwsText } from '../match/throws-text.js';
import { judge, type Judgement } from '../match/verdict.js';
import type { Evaluator } from '../nix/evaluator.js';
import type { ItemOutcome } from '../nix/request.js';
import type { CaseResult, Evidence, TargetRef } from '../result/model.js';
import { evaluateAll, type EvalAnswer, type EvalRequest, type EvaluationStats } from '../run/evaluate-all.js';
import { evaluateAgain } from '../run/evaluate-again.js';
import type { RunEvents } from '../run/events.js';
import { selectShard, shardInfo, type ShardInfo, type ShardRequest } from '../shard/select.js';
import { resolveTarget, type ResolvedTarget, type TargetContext } from '../target/resolve-target.js';
import { InputError } from '../util/errors.js';
import type { Suite, SuiteCase } from './suite.js';

export interface PlannedCase {
  id: string;
  suite: Suite;
  case: SuiteCase;
  target: ResolvedTarget;
}

export interface RunSuitesOptions extends TargetContext {
  evaluator: Evaluator;
  jobs: number;
  events: RunEvents;
  locator: SourceLocator;
  /** Only targets whose label (host name) is listed. */
  hosts?: string[];
  /** Only the targets of the plan that this shard runs (`--shard i/n`). */
  shard?: ShardRequest;
}

/** Every case on every one of its targets, in suite order. */
export function planSuites(suites: readonly Suite[], ctx: TargetContext & { hosts?: string[] }): PlannedCase[] {
  const planned: PlannedCase[] = [];
  const labels = new Set<string>();
  for (const suite of suites) {
    for (const c of suite.cases) {
      for (const spec of c.targets) {
        const target = targetOf(spec, c, ctx);
        labels.add(target.label);
        if (ctx.hosts && !ctx.hosts.includes(target.label)) continue;
        const id = createHash('sha1').update(JSON.stringify([suite.file, c.location.line, c.name, target.key])).digest('hex').slice(0, 12);
        planned.push({ id, suite, case: c, target });
      }
    }
  }
  // A mistyped --host must not turn a run into "0 checks, all passed".
  const unknown = (ctx.hosts ?? []).filter((h) => !labels.has(h));
  if (unknown.length) throw new InputError(`no suite case targets ${unknown.join(', ')}; targets: ${[...labels].sort().join(', ')}`);
  return planned;
}

/** A case's target, or an InputError at the case (a flake target without a flake, a bad attr path). */
function targetOf(spec: SuiteCase['targets'][number], c: SuiteCase, ctx: TargetContext): ResolvedTarget {
  try {
    return resolveTarget(spec, ctx);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(`suite case "${c.name}" cannot be planned`, [{ location: c.location, message: err.message }]);
  }
}

export async function runSuites(
  suites: readonly Suite[],
  options: RunSuitesOptions,
): Promise<{ cases: CaseResult[]; stats: EvaluationStats[]; nixVersion: string | null; shard?: ShardInfo }> {
  const plan = planSuites(suites, options);
  const selection = options.shard ? selectShard(plan, (p) => p.target, options.shard) : undefined;
  const planned = selection?.items ?? plan;
  const toEvaluate = planned.filter((p) => !p.case.skip);
  const requests: EvalRequest[] = toEvaluate.map((p) => ({
    target: p.target,
    item: {
      variant: { config: p.case.with, priority: p.case.withPriority },
      root: p.case.root,
      path: p.case.path,
      evidence: p.case.root === 'config',
    },
  }));
  options.events.emit({ type: 'run-start', cases: planned.length, targets: new Set(requests.map((r) => r.target.key)).size });
  // Judged, and evidence looked up (files read, lines found), for each target as soon as
  // it is done, while Nix evaluates the next; a failing case's evidence waits for its full
  // evidence.
  const judgements: Judgement[] = [];
  const evidence: Promise<Evidence | undefined>[] = [];
  const lookUpEvidence = (i: number, answer: EvalAnswer) => {
    const o = answer.outcome;
    const target = toEvaluate[i]!.target.evalTarget.base;
    evidence[i] = o.status === 'value' && o.exists && o.evidence ? resolveEvidence(o.evidence, options.locator, target.kind === 'file' ? { listingFile: target.file } : {}) : Promise.resolve(undefined);
    // Awaited below, in order; until then a failure must not count as unhandled.
    evidence[i].catch(() => {});
  };
  const explainsValue = (judgement: Judgement, o: ItemOutcome) => judgement.verdict === 'fail' && o.status === 'value' && o.exists && o.evidence !== null;
  const explains = (i: number, answer: EvalAnswer) => explainsValue(judgements[i]!, answer.outcome);
  const judgeCase = (i: number, outcome: ItemOutcome) => judge(toEvaluate[i]!.case.matchers, outcome, toEvaluate[i]!.case.path, toEvaluate[i]!.case.root);
  // The answer a case is judged and explained by: with its full evidence where its
  // follow-up brought it.
  const settled = (answer: EvalAnswer) => (answer.followUp ? withFullEvidence(answer, answer.followUp) : answer);
  // An error's whole trace is collected only where its message did not decide: a
  // `throws:` that the message does not match (the trace may), or an error nobody
  // expected, whose report keeps the trace (errorTrace). A failing case's report explains
  // its value, with what that value overrode too (its full evidence). Nix gives both at
  // once, in the same process, where it can (traceWanted, followUp); otherwise (a repl
  // that cannot switch traces, answers from the cache) in second passes below.
  const { answers: given, stats, nixVersion } = await evaluateAll(requests, options.evaluator, options.jobs, options.events, {
    onAnswers: (answered) => {
      for (const { index, answer } of answered) {
        const a = settled(answer);
        judgements[index] = judgeCase(index, a.outcome);
        if (answer.followUp || !explains(index, a)) lookUpEvidence(index, a);
      }
    },
    traceWanted: (i, outcome) => needsTrace(judgeCase(i, outcome), outcome),
    followUp: (i, outcome) => (explainsValue(judgeCase(i, outcome), outcome) ? fullEvidenceItem(requests[i]!.item) : undefined),
  });
  const answers = given.map(settled);
  const traced = toEvaluate.flatMap((_, i) => (needsTrace(judgements[i]!, answers[i]!.outcome) ? [i] : []));
  const again = await evaluateAgain(requests, traced, (item) => ({ ...item, trace: true }), options.evaluator, options.jobs, stats);
  traced.forEach((i, k) => {
    answers[i] = { ...answers[i]!, outcome: again[k]!.outcome };
    judgements[i] = judgeCase(i, answers[i]!.outcome);
  });
  const explained = toEvaluate.flatMap((_, i) => (explains(i, answers[i]!) && !given[i]!.followUp ? [i] : []));
  await addFullEvidence(requests, answers, explained, options.evaluator, options.jobs, stats);
  for (const i of explained) lookUpEvidence(i, answers[i]!);
  const answerFor = new Map(toEvaluate.map((p, i) => [p, { answer: answers[i]!, judgement: judgements[i]!, evidence: evidence[i]! }]));

  const cases: CaseResult[] = [];
  for (const p of planned) {
    const base = {
      id: p.id,
      kind: 'unit' as const,
      suite: p.suite.name,
      suiteFile: p.suite.displayFile,
      name: p.case.name,
      location: p.case.location,
      target: targetRef(p),
      path: p.case.pathText,
      root: p.case.root,
    };
    const answered = answerFor.get(p);
    if (!answered) {
      const skipped: CaseResult = { ...base, verdict: 'skip', expected: '', message: p.case.skip!, durationMs: 0, cached: false };
      cases.push(skipped);
      options.events.emit({ type: 'case', result: skipped });
      continue;
    }
    const { answer, judgement } = answered;
    const { outcome } = answer;
    const evidence = await answered.evidence;
    const result: CaseResult = {
      ...base,
      verdict: judgement.verdict,
      expected: judgement.expected,
      ...(judgement.message ? { message: judgement.message } : {}),
      ...(outcome.status === 'value'
        ? { actual: outcome.value, exists: outcome.exists, ...(shownType(outcome.type) ? { actualType: shownType(outcome.type) } : {}) }
        : { error: outcome.error, errorReason: outcome.reason, ...(outcome.trace !== undefined ? { errorTrace: throwsText(outcome) } : {}) }),
      ...(evidence ? { evidence } : {}),
      durationMs: answer.durationMs,
      cached: answer.cached,
    };
    cases.push(result);
    options.events.emit({ type: 'case', result });
  }
  return { cases, stats, nixVersion, ...(selection ? { shard: shardInfo(options.shard!, selection, selection.positions) } : {}) };
}

/** Nix types a JSON value does not show. */
function shownType(type: string | null): CaseResult['actualType'] | undefined {
  return type === 'path' || type === 'derivation' || type === 'function' ? type : undefined;
}

function targetRef(p: PlannedCase): TargetRef {
  const evalTarget = p.target.evalTarget;
  return {
    label: p.target.label,
    ...(p.target.host !== undefined ? { host: p.target.host } : {}),
    ...(evalTarget.base.kind === 'flake' ? { flake: evalTarget.base.flake } : {}),
    ...(p.case.with ? { with: p.case.with } : {}),
  };
}

/** Nix can say more about this error than its message (`--show-trace`), and the verdict or the report needs it. */
function needsTrace(judgement: Judgement, outcome: ItemOutcome): boolean {
  return judgement.verdict !== 'pass' && outcome.status === 'error' && outcome.trace === undefined && (outcome.reason === 'throw' || outcome.reason === 'target');
}
