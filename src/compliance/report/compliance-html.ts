import { mostSevereFirst } from '../types.js';
import type { ReportFile } from '../../util/atomic-write.js';
import type { ComplianceResult } from '../run-comply.js';
import { decidingCheck, describeValueSource, findingLocation, shownValue } from './finding-location.js';
import { renderTrendSection } from './trend.js';

/**
 * compliance.html: one self-contained file (no network, no external assets) for auditors.
 * The data is embedded as JSON; a small script renders scores, the per-host table and
 * filters by host, status, severity and framework.
 */
export function renderComplianceHtml(r: ComplianceResult): string {
  const controls = new Map(r.controls.map((c) => [c.id, c]));
  // Findings first, most severe first: what an auditor reads before anything else.
  const statusOrder = ['fail', 'error', 'drift', 'waived', 'manual', 'not-applicable', 'pass'];
  const ordered = [...r.results].sort(
    (a, b) => statusOrder.indexOf(a.status) - statusOrder.indexOf(b.status) || mostSevereFirst(a, b) || a.host.localeCompare(b.host),
  );
  const rows = ordered.map((x) => {
    const c = controls.get(x.controlId)!;
    const check = decidingCheck(x) ?? x.checks[0];
    const where = findingLocation(x, r);
    return {
      host: x.host,
      id: x.controlId,
      title: x.title,
      status: x.status,
      severity: x.severity,
      frameworks: [c.refs.cis?.length ? 'cis' : '', c.refs.stig?.length ? 'stig' : '', c.refs.nist?.length ? 'nist' : ''].filter(Boolean),
      refs: [
        ...(c.refs.cis ?? []).map((ref) => `CIS ${ref.id} L${ref.level}`),
        ...(c.refs.stig ?? []),
        ...(c.refs.nist ?? []).map((n) => `NIST ${n}`),
      ].join(', '),
      message: x.message ?? '',
      path: check?.path ?? '',
      value: check ? shownValue(check) : '(unset)',
      source: check ? describeValueSource(check) : '',
      where: where ? `${where.file}${where.line ? `:${where.line}` : ''}` : '',
      remediation: c.remediation,
      fix: c.fix,
      waiver: x.waiver ? `${x.waiver.justification} (until ${x.waiver.expires})` : '',
    };
  });
  const scores = r.hosts.map((h) => ({ host: h.name, ...r.scores[h.name]?.overall }));
  const data = JSON.stringify({ rows, scores, generatedAt: r.generatedAt, profile: r.profile, expired: r.expiredWaivers.length }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nixcheck compliance${r.profile ? ` - ${escapeHtml(r.profile.title)}` : ''}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .muted { color: #667; }
  .cards { display: flex; gap: .75rem; flex-wrap: wrap; margin: 1rem 0; }
  .card { border: 1px solid #d8dce6; border-radius: 8px; padding: .6rem .9rem; min-width: 11rem; }
  .card b { font-size: 1.5rem; display: block; }
  .filters { display: flex; gap: .75rem; flex-wrap: wrap; margin: 1rem 0; align-items: center; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e6e9f0; vertical-align: top; }
  th { background: #f4f6fa; position: sticky; top: 0; }
  .status { font-weight: 600; border-radius: 4px; padding: 0 .35rem; }
  .pass { background: #e3f6e8; color: #1c6b34; } .fail { background: #fde4e4; color: #9b1c1c; }
  .error { background: #fff1d6; color: #8a5300; } .waived { background: #e8e7fb; color: #3e3a9b; }
  .drift { background: #fde8f3; color: #8c1d5c; }
  .not-applicable, .manual { background: #eef0f4; color: #4a5163; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .25rem; }
  #trend figure { display: inline-block; margin: .5rem 1rem .5rem 0; } #trend figcaption { font-weight: 600; }
  details pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
  code { font-size: 12px; white-space: pre-wrap; word-break: break-all; }
  td { overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>nixcheck compliance</h1>
<div class="muted" id="subtitle"></div>
<div class="cards" id="scores"></div>
${r.history ? renderTrendSection(r.history, r.hosts.map((h) => h.name)) : ''}
<div class="filters">
  <label>Host <select id="f-host"><option value="">all</option></select></label>
  <label>Status <select id="f-status"><option value="">all</option></select></label>
  <label>Severity <select id="f-severity"><option value="">all</option></select></label>
  <label>Framework <select id="f-framework"><option value="">all</option><option value="cis">CIS</option><option value="stig">STIG</option><option value="nist">NIST 800-53</option></select></label>
  <span class="muted">showing <b id="shown">0</b> of <b id="total">0</b>:
    <span id="counts"></span></span>
</div>
<table>
  <thead><tr><th>Host</th><th>Status</th><th>Severity</th><th>Control</th><th>Value and where it was set</th><th>References</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<script type="application/json" id="data">${data}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var STATUSES = ['pass', 'fail', 'error', 'drift', 'waived', 'not-applicable', 'manual'];
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fill(id, values) {
    var s = document.getElementById(id);
    values.forEach(function (v) { s.appendChild(el('option', { value: v }, v)); });
    s.addEventListener('change', render);
  }
  var uniq = function (xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); };
  document.getElementById('subtitle').textContent =
    (data.profile ? data.profile.title + ' · ' : '') + 'generated ' + data.generatedAt +
    (data.expired ? ' · ' + data.expired + ' expired waiver(s) not counted' : '');
  var cards = document.getElementById('scores');
  data.scores.forEach(function (s) {
    var card = el('div', { class: 'card', 'data-host': s.host });
    card.appendChild(el('span', { class: 'muted' }, s.host));
    card.appendChild(el('b', { class: 'weighted' }, s.weighted === null || s.weighted === undefined ? 'n/a' : s.weighted.toFixed(1) + '%'));
    card.appendChild(el('span', { class: 'muted' }, 'pass ratio ' + (s.ratio === null || s.ratio === undefined ? 'n/a' : s.ratio.toFixed(1) + '%')));
    cards.appendChild(card);
  });
  fill('f-host', uniq(data.rows.map(function (r) { return r.host; })));
  fill('f-status', STATUSES);
  fill('f-severity', ['critical', 'high', 'medium', 'low']);
  document.getElementById('f-framework').addEventListener('change', render);
  document.getElementById('total').textContent = String(data.rows.length);
  function render() {
    var f = {
      host: document.getElementById('f-host').value, status: document.getElementById('f-status').value,
      severity: document.getElementById('f-severity').value, framework: document.getElementById('f-framework').value
    };
    var body = document.getElementById('rows');
    body.textContent = '';
    var counts = {};
    var shown = data.rows.filter(function (r) {
      return (!f.host || r.host === f.host) && (!f.status || r.status === f.status) &&
        (!f.severity || r.severity === f.severity) && (!f.framework || r.frameworks.indexOf(f.framework) >= 0);
    });
    shown.forEach(function (r) {
      counts[r.status] = (counts[r.status] || 0) + 1;
      var tr = el('tr', { 'data-status': r.status });
      tr.appendChild(el('td', {}, r.host));
      var st = el('td'); st.appendChild(el('span', { class: 'status ' + r.status }, r.status)); tr.appendChild(st);
      tr.appendChild(el('td', {}, r.severity));
      var ctl = el('td');
      ctl.appendChild(el('code', {}, r.id)); ctl.appendChild(el('div', {}, r.title));
      if (r.message) ctl.appendChild(el('div', { class: 'muted' }, r.message));
      if (r.waiver) ctl.appendChild(el('div', { class: 'muted' }, 'waived: ' + r.waiver));
      var det = el('details'); det.appendChild(el('summary', {}, 'remediation'));
      det.appendChild(el('p', {}, r.remediation)); det.appendChild(el('pre', {}, r.fix));
      ctl.appendChild(det);
      tr.appendChild(ctl);
      var ev = el('td');
      if (r.path) ev.appendChild(el('code', {}, r.path + ' = ' + r.value));
      ev.appendChild(el('div', { class: 'muted' }, r.source));
      if (r.where) ev.appendChild(el('code', { class: 'where' }, r.where));
      tr.appendChild(ev);
      tr.appendChild(el('td', {}, r.refs));
      body.appendChild(tr);
    });
    document.getElementById('shown').textContent = String(shown.length);
    var parts = document.getElementById('counts');
    parts.textContent = '';
    STATUSES.forEach(function (s) {
      var span = el('span', { id: 'count-' + s, 'data-count': String(counts[s] || 0) }, (counts[s] || 0) + ' ' + s + ' ');
      parts.appendChild(span);
    });
  }
  render();
})();
</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function complianceHtmlFile(result: ComplianceResult): ReportFile {
  return { name: 'compliance.html', render: () => renderComplianceHtml(result) };
}
