/**
 * Hand-made ParityReports for reporter tests (and for anyone who needs a realistic report
 * without running a verify). Deterministic: the same call always returns equal data.
 */
import type { ChannelResult, Difference, NoiseRule } from '../harness/model.ts';
import type { DeviationReport, ParityReport, ScenarioReport, SuiteReport, TargetIdentity } from './model.ts';
import { deflateSync } from 'node:zlib';
import { channelTotalsOf, emptyTotals, mergeTotals, parityOf, totalsOf } from './totals.ts';

const PASS_STDIO: ChannelResult[] = [
  { channel: 'stdout', format: 'text', verdict: 'pass' },
  { channel: 'stderr', format: 'text', verdict: 'pass' },
  { channel: 'exit', verdict: 'pass' },
];

const stdoutDiff: Difference = {
  kind: 'text',
  summary: '1 line changed',
  unified: [
    '--- legacy stdout',
    '+++ candidate stdout',
    '@@ -1,4 +1,4 @@',
    ' Account        Balance',
    ' checking        120.00',
    '-savings        -35.50',
    '+savings        (35.50)',
    ' Total           84.50',
  ].join('\n'),
  hunks: [
    {
      oldStart: 1,
      oldLines: 4,
      newStart: 1,
      newLines: 4,
      lines: [
        ' Account        Balance',
        ' checking        120.00',
        '-savings        -35.50',
        '+savings        (35.50)',
        ' Total           84.50',
      ],
    },
  ],
  truncated: false,
};

const exitDiff: Difference = {
  kind: 'value',
  summary: 'exit code 1 → 0',
  unified: '~ exit.code: 1 → 0',
  legacy: { code: 1, signal: null, timedOut: false },
  candidate: { code: 0, signal: null, timedOut: false },
};

const jsonDiff: Difference = {
  kind: 'json',
  summary: '4 JSON paths differ',
  unified: [
    '~ $.months[2].label: "Mar" → "March"',
    '~ $.totals.net: 84.5 → "84.50" (type)',
    '- $.generatedBy: "ledger.py"',
    '+ $.meta["schema version"]: 2',
  ].join('\n'),
  changes: [
    { path: '$.months[2].label', kind: 'changed', legacy: 'Mar', candidate: 'March' },
    { path: '$.totals.net', kind: 'type', legacy: 84.5, candidate: '84.50' },
    { path: '$.generatedBy', kind: 'removed', legacy: 'ledger.py' },
    { path: '$.meta["schema version"]', kind: 'added', candidate: 2 },
  ],
};

const csvDiff: Difference = {
  kind: 'csv',
  summary: '2 cells differ in 2 rows, 1 row removed, row order differs',
  unified: [
    '~ row id=7, column amount: 10.50 → 10.5',
    '~ row id=8, column memo: "rent, march" → "rent march"',
    '- row id=9',
    '~ row order: 7, 8, 10 → 8, 7, 10',
  ].join('\n'),
  changes: [
    { row: '7', column: 'amount', kind: 'changed', legacy: '10.50', candidate: '10.5' },
    { row: '8', column: 'memo', kind: 'changed', legacy: 'rent, march', candidate: 'rent march' },
    { row: '9', kind: 'removed', legacy: '9,2024-03-04,-12.00,coffee' },
    { row: '#1', kind: 'order', legacy: '7,8,10', candidate: '8,7,10' },
  ],
};

const pdfDiff: Difference = {
  kind: 'binary',
  summary: 'binary content differs (18,204 → 18,311 bytes)',
  unified: [
    'legacy:    18204 bytes  sha256 3f1c0d9e2b7a4c5d6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9011223344aa',
    'candidate: 18311 bytes  sha256 9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f3021120344556677ccbb',
  ].join('\n'),
  legacy: { size: 18204, sha256: '3f1c0d9e2b7a4c5d6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9011223344aa' },
  candidate: { size: 18311, sha256: '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f3021120344556677ccbb' },
};

const flakyDiff: Difference = {
  kind: 'text',
  summary: '2 lines changed (diff truncated: edit limit reached)',
  unified: [
    '--- legacy stdout',
    '+++ candidate stdout',
    '@@ -3,3 +3,3 @@',
    ' imported 10000 entries',
    '-skipped 3 duplicates',
    '+skipped 4 duplicates',
    ' done',
    '@@ -9,2 +9,2 @@',
    '-elapsed: batch 2 of 2',
    '+elapsed: batch 1 of 2',
    ' ok',
  ].join('\n'),
  hunks: [
    { oldStart: 3, oldLines: 3, newStart: 3, newLines: 3, lines: [' imported 10000 entries', '-skipped 3 duplicates', '+skipped 4 duplicates', ' done'] },
    { oldStart: 9, oldLines: 2, newStart: 9, newLines: 2, lines: ['-elapsed: batch 2 of 2', '+elapsed: batch 1 of 2', ' ok'] },
  ],
  truncated: true,
};

const timestampNoise: NoiseRule = {
  channel: 'stdout',
  where: { kind: 'text', line: 1, pattern: '^Report generated at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' },
  values: ['Report generated at 2025-11-20 16:02:11', 'Report generated at 2025-11-20 16:02:12'],
};

const reportNoise: NoiseRule[] = [
  { channel: 'files', path: 'out/report.json', where: { kind: 'json', path: '$.generatedAt' }, values: ['2025-11-20T16:02:11Z', '2025-11-20T16:02:13Z'] },
  { channel: 'files', path: 'out/report.json', where: { kind: 'json', path: '$.categories', unordered: true }, values: ['["food","rent"]', '["rent","food"]'] },
];

const csvNoise: NoiseRule = { channel: 'files', path: 'out/ledger.csv', where: { kind: 'csv', row: 2, column: 'batch' }, values: ['b-81f3', 'b-9c02'] };

const LEDGER_DEVIATIONS: DeviationReport[] = [
  {
    id: 'pdf-renderer',
    reason: 'Statements are rendered with pdfkit instead of ReportLab: same content, different bytes. Checked by hand on 20 statements.',
    ticket: 'https://tracker.example.com/LEDGER-142',
    owner: 'ana.lima',
    expires: '2026-06-30',
    channel: 'files out/*.pdf',
    covered: ['export-pdf'],
    status: 'active',
  },
  {
    id: 'csv-quoting',
    reason: 'The legacy quoted every CSV field; the rewrite quotes only where needed.',
    ticket: 'LEDGER-97',
    owner: 'sam',
    channel: 'files out/*.csv',
    where: 'memo',
    covered: [],
    status: 'obsolete',
  },
  {
    id: 'help-wording',
    reason: 'Help text reworded for the new command-line parser.',
    ticket: 'LEDGER-150',
    expires: '2025-10-31',
    channel: 'stdout',
    where: '/^Usage:/',
    covered: [],
    status: 'expired',
  },
];

function scenario(
  id: string,
  verdict: ScenarioReport['verdict'],
  channels: ChannelResult[],
  extra: Partial<ScenarioReport> = {},
): ScenarioReport {
  return { id, tags: [], verdict, durationMs: 40, channels, ...extra };
}

/** Builds a SuiteReport whose totals, parity and channel roll-ups are computed from its scenarios. */
export function suiteOf(
  name: string,
  scenarios: ScenarioReport[],
  identity: { legacy: TargetIdentity | null; candidate: TargetIdentity; revision: string | null; recordedAt: string | null },
): SuiteReport {
  const totals = totalsOf(scenarios);
  return {
    name,
    baseline: { revision: identity.revision, recordedAt: identity.recordedAt, dir: `baselines/${name}` },
    legacy: identity.legacy,
    candidate: identity.candidate,
    totals,
    parity: parityOf(totals),
    channels: channelTotalsOf(scenarios),
    scenarios,
  };
}

/** Builds a ParityReport around suites, computing report-wide totals and parity. */
export function reportOf(suites: SuiteReport[], run: Partial<ParityReport['run']> = {}): ParityReport {
  const totals = suites.reduce((acc, s) => mergeTotals(acc, s.totals), emptyTotals());
  return {
    formatVersion: 1,
    tool: { name: 'paritykit', version: '0.1.0' },
    run: {
      startedAt: '2025-11-21T10:30:00.000Z',
      durationMs: 12_345,
      gitCommit: '4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39',
      config: 'paritykit.config.ts',
      ci: true,
      ...run,
    },
    totals,
    parity: parityOf(totals),
    suites,
  };
}

const LEDGER_LEGACY: TargetIdentity = {
  command: ['python2', 'ledger.py'],
  version: 'ledger 2.7.1 (Python 2.7.18)',
  gitCommit: 'b1e5d0c2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8',
};
const LEDGER_CANDIDATE: TargetIdentity = {
  command: ['node', 'dist/ledger.js'],
  version: 'ledger 3.0.0-rc.2',
  gitCommit: '4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39',
};

/**
 * A realistic report of two suites: `ledger-cli` holds one scenario of every verdict (`pass`,
 * `diff`, `accepted`, `flaky`, `error`, `missing`, `new`) and every `Difference` kind (`text`,
 * `json`, `csv`, `binary`, `value`); `ledger-migrations` passes entirely. `ledger-cli` also
 * carries learned noise (text, JSON, CSV), a non-deterministic note, a flaky scenario with its
 * varying places, three deviations (active with an https ticket, obsolete, expired) and
 * unreferenced baselines. Totals, parity and channel roll-ups are computed with `totals.ts`, so
 * they are consistent.
 */
export function sampleReport(): ParityReport {
  const ledger = suiteOf(
    'ledger-cli',
    [
      scenario('balance-simple', 'pass', PASS_STDIO, {
        tags: ['balance', 'smoke'],
        durationMs: 35,
        timing: { legacy: { durationMs: 120, peakRssBytes: 9_437_184 }, candidate: { durationMs: 48, peakRssBytes: 41_943_040 } },
        noise: [timestampNoise],
      }),
      scenario('balance-multi-currency', 'pass', PASS_STDIO, {
        tags: ['balance'],
        durationMs: 41,
        nondeterministic: 'stdout: the legacy printed 3 lines on one run and 4 on another (a structural difference is never learned as noise); add a normalizer',
      }),
      scenario(
        'balance-negative',
        'diff',
        [
          { channel: 'stdout', format: 'text', verdict: 'diff', difference: stdoutDiff },
          { channel: 'stderr', format: 'text', verdict: 'pass' },
          { channel: 'exit', verdict: 'diff', difference: exitDiff },
        ],
        {
          tags: ['balance', 'negative'],
          durationMs: 52,
          timing: { legacy: { durationMs: 131, peakRssBytes: 9_961_472 }, candidate: { durationMs: 47, peakRssBytes: null } },
        },
      ),
      scenario(
        'report-monthly-json',
        'diff',
        [
          ...PASS_STDIO,
          { channel: 'files', path: 'out/report.json', format: 'json', verdict: 'diff', difference: jsonDiff },
        ],
        { tags: ['report'], durationMs: 77, noise: reportNoise },
      ),
      scenario(
        'export-csv',
        'diff',
        [
          ...PASS_STDIO,
          { channel: 'files', path: 'out/ledger.csv', format: 'csv', verdict: 'diff', difference: csvDiff },
          { channel: 'files', path: 'out/ledger.log', format: 'text', verdict: 'pass' },
        ],
        { tags: ['export', 'csv'], durationMs: 64, noise: [csvNoise] },
      ),
      scenario(
        'export-pdf',
        'accepted',
        [
          ...PASS_STDIO,
          { channel: 'files', path: 'out/statement.pdf', format: 'binary', verdict: 'accepted', difference: pdfDiff, deviations: ['pdf-renderer'] },
        ],
        { tags: ['export', 'pdf'], durationMs: 310 },
      ),
      scenario(
        'import-large',
        'flaky',
        [
          { channel: 'stdout', format: 'text', verdict: 'diff', difference: flakyDiff },
          { channel: 'stderr', format: 'text', verdict: 'pass' },
          { channel: 'exit', verdict: 'pass' },
        ],
        { tags: ['import', 'slow'], durationMs: 2_150, flaky: { reruns: 2, varying: ['stdout line 4', 'stdout line 9'] } },
      ),
      scenario('import-corrupt', 'error', [], {
        tags: ['import'],
        durationMs: 5_002,
        error: 'candidate could not be compared: spawn node ENOENT (is "node" on PATH for the candidate target?)',
      }),
      scenario('import-empty', 'missing', [], {
        tags: ['import'],
        durationMs: 0,
        error: 'no baseline for scenario "import-empty" in baselines/ledger-cli; run paritykit record --suite ledger-cli',
      }),
      scenario('help-version', 'new', [], { tags: ['help'], durationMs: 12 }),
    ],
    {
      legacy: LEDGER_LEGACY,
      candidate: LEDGER_CANDIDATE,
      revision: 'sha256:7d1e4b2c9a0f',
      recordedAt: '2025-11-20T16:02:11.000Z',
    },
  );
  ledger.deviations = LEDGER_DEVIATIONS;
  ledger.unreferenced = { ids: ['balance-legacy-format', 'export-xml'], policy: 'warn' };
  const migrations = suiteOf(
    'ledger-migrations',
    [
      scenario('migrate-v1-to-v2', 'pass', [
        ...PASS_STDIO,
        { channel: 'files', path: 'ledger.db.json', format: 'json', verdict: 'pass' },
      ], { tags: ['migrate'], durationMs: 88 }),
      scenario('migrate-noop', 'pass', PASS_STDIO, { tags: ['migrate'], durationMs: 30 }),
    ],
    {
      legacy: { command: ['python2', 'migrate.py'], version: null, gitCommit: null },
      candidate: { command: ['node', 'dist/migrate.js'], version: '3.0.0-rc.2', gitCommit: null },
      revision: 'sha256:0c3b9e8d1a2f',
      recordedAt: '2025-11-19T09:15:00.000Z',
    },
  );
  // A deep copy, so callers may mutate it (hostileReport does) without touching the shared
  // difference objects above.
  return structuredClone(reportOf([ledger, migrations]));
}

const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];

const createOrderDiff: Difference = {
  kind: 'json',
  summary: 'status 201 → 400; 4 body paths differ (3 removed, 1 added)',
  unified: [
    '~ $.status: 201 → 400',
    '- $.body.id: 17',
    '- $.body.sku: "A1"',
    '- $.body.total: 21',
    '+ $.body.error: "qty must be a string"',
  ].join('\n'),
  changes: [
    { path: '$.status', kind: 'changed', legacy: 201, candidate: 400 },
    { path: '$.body.id', kind: 'removed', legacy: 17 },
    { path: '$.body.sku', kind: 'removed', legacy: 'A1' },
    { path: '$.body.total', kind: 'removed', legacy: 21 },
    { path: '$.body.error', kind: 'added', candidate: 'qty must be a string' },
  ],
};

const receiptDiff: Extract<Difference, { kind: 'binary' }> = {
  kind: 'binary',
  summary: 'binary content differs (912 → 1,004 bytes)',
  unified: [
    'legacy:    912 bytes  sha256 0b7a4f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50',
    'candidate: 1004 bytes  sha256 5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e61',
  ].join('\n'),
  legacy: { size: 912, sha256: '0b7a4f3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50' },
  candidate: { size: 1004, sha256: '5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e61' },
};

const CREATE_ORDER_PASS: ChannelResult = { channel: 'http', path: '#1 POST /orders', format: 'json', verdict: 'pass' };

/**
 * An HTTP service suite, `orders-api`, whose differing `http` results carry their exchange
 * (request and both responses): `list-orders` passes; `create-order` differs in status and JSON
 * body (201 → 400); `order-receipt` differs in a binary body (shown as `<binary, …>`);
 * `cancel-order` differs in status only (200 → 204), accepted by the deviation
 * `delete-no-content`; `pay-order` is an `error` whose candidate stopped before request #2, so
 * that exchange carries the legacy's response only.
 */
export function serviceSuite(): SuiteReport {
  const suite = suiteOf(
    'orders-api',
    [
      scenario('list-orders', 'pass', [{ channel: 'http', path: '#1 GET /orders', format: 'json', verdict: 'pass' }], { tags: ['orders'], durationMs: 18 }),
      scenario(
        'create-order',
        'diff',
        [
          {
            channel: 'http',
            path: '#1 POST /orders',
            format: 'json',
            verdict: 'diff',
            difference: createOrderDiff,
            exchange: {
              request: { method: 'POST', url: '/orders', headers: [...JSON_HEADERS, ['accept', 'application/json']], body: '{"sku":"A1","qty":2}' },
              legacy: { status: 201, statusText: 'Created', headers: [...JSON_HEADERS, ['location', '/orders/17']], body: '{"id":17,"sku":"A1","total":21}' },
              candidate: { status: 400, statusText: 'Bad Request', headers: JSON_HEADERS, body: '{"error":"qty must be a string"}' },
            },
          },
        ],
        { tags: ['orders', 'write'], durationMs: 25 },
      ),
      scenario(
        'order-receipt',
        'diff',
        [
          CREATE_ORDER_PASS,
          {
            channel: 'http',
            path: '#2 GET /orders/{{orderId}}/receipt',
            format: 'binary',
            verdict: 'diff',
            difference: receiptDiff,
            exchange: {
              request: { method: 'GET', url: '/orders/903/receipt', headers: [['accept', 'application/pdf']] },
              legacy: { status: 200, statusText: 'OK', headers: [['content-type', 'application/pdf']], body: `<binary, 912 bytes, sha256 ${receiptDiff.legacy.sha256}>` },
              candidate: { status: 200, statusText: 'OK', headers: [['content-type', 'application/pdf']], body: `<binary, 1004 bytes, sha256 ${receiptDiff.candidate.sha256}>` },
            },
          },
        ],
        { tags: ['orders'], durationMs: 31 },
      ),
      scenario(
        'cancel-order',
        'accepted',
        [
          CREATE_ORDER_PASS,
          {
            channel: 'http',
            path: '#2 DELETE /orders/{{orderId}}',
            format: 'json',
            verdict: 'accepted',
            difference: { kind: 'value', summary: 'status 200 → 204', unified: '~ status: 200 → 204', legacy: 200, candidate: 204 },
            deviations: ['delete-no-content'],
            exchange: {
              request: { method: 'DELETE', url: '/orders/903', headers: [] },
              legacy: { status: 200, statusText: 'OK', headers: [] },
              candidate: { status: 204, statusText: 'No Content', headers: [] },
            },
          },
        ],
        { tags: ['orders', 'write'], durationMs: 22 },
      ),
      scenario(
        'pay-order',
        'error',
        [
          CREATE_ORDER_PASS,
          {
            channel: 'http',
            path: '#2 POST /orders/{{orderId}}/pay',
            verdict: 'diff',
            difference: {
              kind: 'value',
              summary: 'the candidate did not send request #2 (its scenario stopped: socket hang up)',
              unified: '~ request #2: 202 Accepted → (not sent)',
              legacy: 202,
              candidate: null,
            },
            exchange: {
              request: { method: 'POST', url: '/orders/17/pay', headers: JSON_HEADERS, body: '{"card":"[REDACTED]"}' },
              legacy: { status: 202, statusText: 'Accepted', headers: JSON_HEADERS, body: '{"status":"pending"}' },
            },
          },
        ],
        { tags: ['orders', 'payments'], durationMs: 40, error: 'candidate: socket hang up at request #2 (POST /orders/{{orderId}}/pay)' },
      ),
    ],
    {
      legacy: { command: ['node', 'legacy/server.js'], version: 'orders 1.9.4', gitCommit: null },
      candidate: { command: ['node', 'dist/server.js'], version: 'orders 2.0.0-beta.1', gitCommit: null },
      revision: 'sha256:5a1f0e9d2c3b',
      recordedAt: '2025-11-20T16:10:00.000Z',
    },
  );
  suite.deviations = [
    {
      id: 'delete-no-content',
      reason: 'DELETE answers 204 without a body, as RFC 9110 recommends; clients ignore the body.',
      ticket: 'ORD-31',
      owner: 'kim',
      channel: 'http',
      where: '$.status',
      covered: ['cancel-order'],
      status: 'active',
    },
  ];
  return structuredClone(suite);
}

/** A one-suite report of {@link serviceSuite}. */
export function serviceReport(): ParityReport {
  return reportOf([serviceSuite()]);
}

/**
 * A large one-suite report for scale tests: `count` scenarios (ids `case-00001`…), every 50th
 * a `diff` on stdout, the rest `pass`.
 */
export function manyScenariosReport(count: number): ParityReport {
  const scenarios: ScenarioReport[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `case-${String(i).padStart(5, '0')}`;
    if (i % 50 === 0) {
      scenarios.push(scenario(id, 'diff', [
        { channel: 'stdout', format: 'text', verdict: 'diff', difference: stdoutDiff },
        { channel: 'stderr', format: 'text', verdict: 'pass' },
        { channel: 'exit', verdict: 'pass' },
      ], { tags: [`group-${i % 7}`] }));
    } else {
      scenarios.push(scenario(id, 'pass', PASS_STDIO, { tags: [`group-${i % 7}`] }));
    }
  }
  return reportOf([
    suiteOf('bulk', scenarios, { legacy: LEDGER_LEGACY, candidate: LEDGER_CANDIDATE, revision: 'sha256:aa', recordedAt: null }),
  ]);
}

/** Strings that would run script or break out of their context if a renderer failed to escape
 * them (HTML, attributes, `<script>` data, templates, URLs, Markdown fences, terminal escapes). */
export const HOSTILE_STRINGS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  'javascript:alert(1)',
  "{{constructor.constructor('alert(1)')()}}",
  "'><svg onload=alert(1)>",
  '<!-- <script>',
  '```\n# heading injected\n```',
  '\u001b[2J\u001b[31mfake\r\u0007',
  '\u2028\u2029]]>&amp;',
] as const;

/**
 * {@link sampleReport} with {@link HOSTILE_STRINGS} in every place text from the systems under
 * test (or from people, through deviations.yaml) can reach: suite name, scenario ids and tags,
 * diff text (unified and hunk lines), JSON keys (in paths and inside values) and values, CSV
 * cells, binary summaries, error messages, commands, versions, commits, baseline fields, the
 * config path, deviations (ids, reasons, tickets — among them a `javascript:` URL and an https
 * URL carrying markup —, owners, places, covered ids), noise rules (places and values seen),
 * non-deterministic notes, flaky varying places and unreferenced baseline ids. A third suite,
 * {@link serviceSuite}, carries them in its HTTP exchanges (method, URL, headers, bodies, reason
 * phrases). For escaping tests.
 */
export function hostileReport(): ParityReport {
  const all = HOSTILE_STRINGS.join(' ');
  const report = reportOf([...sampleReport().suites, hostileServiceSuite()]);
  report.run.config = HOSTILE_STRINGS[0];
  report.run.gitCommit = HOSTILE_STRINGS[1];
  report.tool.version = HOSTILE_STRINGS[2];
  const suite = report.suites[0]!;
  suite.name = `ledger ${HOSTILE_STRINGS[2]}`;
  suite.baseline = { revision: HOSTILE_STRINGS[0], recordedAt: HOSTILE_STRINGS[4], dir: HOSTILE_STRINGS[3] };
  suite.legacy = { command: ['python2', HOSTILE_STRINGS[1], HOSTILE_STRINGS[0]], version: HOSTILE_STRINGS[2], gitCommit: HOSTILE_STRINGS[0] };
  suite.candidate = { command: [HOSTILE_STRINGS[2]], version: HOSTILE_STRINGS[4], gitCommit: HOSTILE_STRINGS[1] };
  suite.scenarios.forEach((scenario, i) => {
    scenario.id = `${scenario.id}/${HOSTILE_STRINGS[i % HOSTILE_STRINGS.length]}`;
    scenario.tags = [...HOSTILE_STRINGS];
    if (scenario.error !== undefined) scenario.error = all;
    for (const result of scenario.channels) {
      if (result.path !== undefined) result.path = HOSTILE_STRINGS[1];
      const d = result.difference;
      if (d === undefined) continue;
      d.summary = all;
      d.unified = HOSTILE_STRINGS.map((s, j) => `${j % 2 === 0 ? '-' : '+'}${s}`).join('\n');
      if (d.kind === 'text') d.hunks[0]!.lines.push(...HOSTILE_STRINGS.map((s) => `+${s}`), ...HOSTILE_STRINGS.map((s) => `-${s}`));
      if (d.kind === 'json') {
        d.changes.push(
          { path: `$["${HOSTILE_STRINGS[0]}"]`, kind: 'changed', legacy: { [HOSTILE_STRINGS[1]]: HOSTILE_STRINGS[2] }, candidate: [...HOSTILE_STRINGS] },
          { path: `$.x["${HOSTILE_STRINGS[4]}"]`, kind: 'added', candidate: HOSTILE_STRINGS[3] },
        );
      }
      if (d.kind === 'csv') d.changes.push({ row: HOSTILE_STRINGS[0], column: HOSTILE_STRINGS[1], kind: 'changed', legacy: HOSTILE_STRINGS[2], candidate: HOSTILE_STRINGS[4] });
      if (d.kind === 'binary') d.legacy.sha256 = HOSTILE_STRINGS[1];
      if (d.kind === 'value') {
        d.legacy = { [HOSTILE_STRINGS[0]]: HOSTILE_STRINGS[2] };
        d.candidate = HOSTILE_STRINGS[4];
      }
      if (result.deviations !== undefined) result.deviations = [HOSTILE_STRINGS[0], HOSTILE_STRINGS[7]];
    }
    if (scenario.noise !== undefined) {
      scenario.noise = HOSTILE_STRINGS.map((text, j): NoiseRule => ({
        channel: 'files',
        path: text,
        where: j % 3 === 0 ? { kind: 'json', path: `$["${text}"]` } : j % 3 === 1 ? { kind: 'csv', row: j, column: text } : { kind: 'text', pattern: text },
        values: [...HOSTILE_STRINGS],
      }));
    }
    if (scenario.nondeterministic !== undefined) scenario.nondeterministic = all;
    if (scenario.flaky !== undefined) scenario.flaky.varying = [...HOSTILE_STRINGS];
  });
  // An https URL carrying markup (no spaces, so it is a URL and becomes a link), a javascript:
  // URL (must stay text) and markup.
  const tickets = ['javascript:alert(1)', `https://tracker.example.com/a"><svg/onload=alert(1)>`, HOSTILE_STRINGS[0]];
  suite.deviations = suite.deviations!.map((d, i) => ({
    ...d,
    id: `${d.id}${HOSTILE_STRINGS[i]}`,
    reason: all,
    ticket: tickets[i % tickets.length],
    owner: HOSTILE_STRINGS[1],
    channel: `files ${HOSTILE_STRINGS[4]}`,
    where: HOSTILE_STRINGS[5],
    covered: [tickets[1], ...HOSTILE_STRINGS],
  }));
  suite.deviations[0]!.reason = `${all} ${tickets[1]} www.example.com/\\<svg onload=alert(1)>`;
  suite.unreferenced = { ids: [...HOSTILE_STRINGS], policy: 'fail' };
  return report;
}

/** {@link serviceSuite} with {@link HOSTILE_STRINGS} in every part of each exchange: method, URL,
 * header names and values, bodies and reason phrases, and in the exchange labels. */
function hostileServiceSuite(): SuiteReport {
  const suite = serviceSuite();
  const h = HOSTILE_STRINGS;
  const headers = (): Array<[string, string]> => h.map((text, i) => [i % 2 === 0 ? text : `x-${i}`, h[(i + 3) % h.length]!]);
  for (const scenario of suite.scenarios) {
    for (const result of scenario.channels) {
      if (result.exchange === undefined) continue;
      result.path = `#2 ${h[0]} ${h[1]}`;
      const ex = result.exchange;
      ex.request = { method: h[0], url: `/orders/${h[1]}?q=${h[5]}`, headers: headers(), body: h.join('\n') };
      for (const side of [ex.legacy, ex.candidate]) {
        if (side === undefined) continue;
        side.statusText = h[side === ex.legacy ? 2 : 6]!;
        side.headers = headers();
        side.body = `${h.join('\n')}\n… (12 more bytes)`;
      }
    }
  }
  return suite;
}

// ---------------------------------------------------------------------------------------------
// Database, schema and image differences; a large mixed report.

/**
 * A PNG (8-bit RGBA, no filter) of `width`×`height` pixels whose colour at (x, y) is
 * `pixel(x, y)` as `[r, g, b, a]` (0–255), as base64. Encoded by hand per the PNG spec
 * (https://www.w3.org/TR/png/: signature, IHDR, one zlib IDAT, IEND, CRC-32 per chunk) so the
 * fixtures need no image library. Deterministic.
 */
export function pngBase64Of(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): string {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // filter type None
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter, no interlace
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

/** CRC-32 (ISO 3309, the PNG chunk checksum), bitwise. */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A 160×100 chart-like image: a blue bar whose height the candidate renders 10 px taller. */
function chartImages(): { legacy: string; candidate: string; diff: string; differing: number } {
  const W = 160;
  const H = 100;
  const bar = (top: number) => (x: number, y: number): [number, number, number, number] =>
    x >= 40 && x < 80 && y >= top ? [9, 105, 218, 255] : x >= 100 && x < 140 && y >= 30 ? [26, 127, 55, 255] : [246, 248, 250, 255];
  const legacy = bar(50);
  const candidate = bar(40);
  let differing = 0;
  const diff = (x: number, y: number): [number, number, number, number] => {
    const a = legacy(x, y);
    const b = candidate(x, y);
    if (a.some((v, i) => v !== b[i])) {
      differing++;
      return [255, 0, 0, 255];
    }
    const grey = Math.round(255 - (255 - (a[0] + a[1] + a[2]) / 3) * 0.1);
    return [grey, grey, grey, 255];
  };
  const diffPng = pngBase64Of(W, H, diff);
  return { legacy: pngBase64Of(W, H, legacy), candidate: pngBase64Of(W, H, candidate), diff: diffPng, differing };
}

/** A `rows` difference of the orders service: one changed row (status and total), one row only
 * the legacy wrote (an audit entry), one only the candidate wrote. */
const ordersRowsDiff: Extract<Difference, { kind: 'rows' }> = {
  kind: 'rows',
  summary: '3 rows differ in 2 tables (1 changed, 1 missing, 1 extra)',
  unified: [
    '~ public.orders id=17: status "paid" → "PAID", total 21 → 21.00',
    '- public.audit_log #a1f3: only the legacy wrote it',
    '+ public.audit_log #c9e0: only the candidate wrote it',
  ].join('\n'),
  tables: [
    {
      table: 'public.orders',
      columns: ['id', 'sku', 'qty', 'status', 'total', 'note'],
      rows: [
        {
          kind: 'changed',
          key: 'id=17',
          legacyOp: 'u',
          candidateOp: 'u',
          legacy: {
            before: { id: 17, sku: 'A1', qty: 2, status: 'new', total: 21, note: null },
            after: { id: 17, sku: 'A1', qty: 2, status: 'paid', total: 21, note: null },
          },
          candidate: {
            before: { id: 17, sku: 'A1', qty: 2, status: 'new', total: 21, note: null },
            after: { id: 17, sku: 'A1', qty: 2, status: 'PAID', total: '21.00', note: null },
          },
          cells: ['status', 'total'],
        },
      ],
    },
    {
      table: 'public.audit_log',
      columns: ['at', 'action', 'payload'],
      rows: [
        {
          kind: 'missing',
          key: '#a1f3',
          legacyOp: 'c',
          legacy: { before: null, after: { at: '2025-11-21T10:30:00Z', action: 'pay', payload: { json: { order: 17, by: 'card' } } } },
        },
        {
          kind: 'extra',
          key: '#c9e0',
          candidateOp: 'c',
          candidate: { before: null, after: { at: '2025-11-21T10:30:00Z', action: 'PAY', payload: { base64: Buffer.from('order=17').toString('base64') } } },
        },
      ],
    },
  ],
};

/** A `schema` difference: a column type, a dropped index, an added check constraint. */
const ordersSchemaDiff: Extract<Difference, { kind: 'schema' }> = {
  kind: 'schema',
  summary: '3 schema objects differ (1 changed, 1 removed, 1 added)',
  unified: [
    '~ ALTER TABLE public.orders ALTER COLUMN status TYPE character varying(20)',
    '- DROP INDEX orders_sku_idx',
    '+ ALTER TABLE public.orders ADD CHECK (qty > 0)',
  ].join('\n'),
  changes: [
    {
      object: 'column',
      name: 'public.orders.status',
      kind: 'changed',
      ddl: 'ALTER TABLE public.orders ALTER COLUMN status TYPE character varying(20)',
      legacy: 'status text NOT NULL',
      candidate: 'status character varying(20) NOT NULL',
    },
    { object: 'index', name: 'public.orders_sku_idx', kind: 'removed', ddl: 'DROP INDEX public.orders_sku_idx', legacy: 'CREATE INDEX _ ON public.orders USING btree (sku)' },
    { object: 'constraint', name: 'public.orders.qty', kind: 'added', ddl: 'ALTER TABLE public.orders ADD CHECK (qty > 0)', candidate: 'CHECK ((qty > 0))' },
  ],
};

/** An http image difference as harness/compare/http.ts produces it (`binary` with `image`),
 * carrying the two images beside the comparator's diff (`legacyPng`, `candidatePng`). */
function chartDifference(): Difference {
  const png = chartImages();
  const pixels = 160 * 100;
  return {
    kind: 'binary',
    summary: `image differs: ${png.differing} pixels differ (${((png.differing / pixels) * 100).toFixed(2)}%) of 160×100 at threshold 0.1`,
    unified: `image differs: ${png.differing} pixels differ`,
    legacy: { size: Buffer.from(png.legacy, 'base64').length, sha256: 'e3f1c0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1' },
    candidate: { size: Buffer.from(png.candidate, 'base64').length, sha256: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9' },
    image: {
      legacy: { width: 160, height: 100 },
      candidate: { width: 160, height: 100 },
      differingPixels: png.differing,
      ratio: png.differing / pixels,
      threshold: 0.1,
      diffPng: png.diff,
      legacyPng: png.legacy,
      candidatePng: png.candidate,
    },
  } as Difference;
}

/**
 * A service suite with a database (`orders-db`): a scenario whose row changes differ
 * (`rows`: a changed row, a missing and an extra one), one whose schema differs (`schema`),
 * one whose chart image differs (an http `binary` difference with `image`: the legacy, the
 * candidate and the diff as PNGs), and a passing one.
 */
export function databaseSuite(): SuiteReport {
  const pass = (path: string): ChannelResult => ({ channel: 'http', path, format: 'json', verdict: 'pass' });
  return structuredClone(
    suiteOf(
      'orders-db',
      [
        scenario('pay-order-writes', 'diff', [pass('#1 POST /orders/17/pay'), { channel: 'db', verdict: 'diff', difference: ordersRowsDiff }], {
          tags: ['orders', 'db'],
          durationMs: 64,
        }),
        scenario('migrate-schema', 'diff', [pass('#1 GET /health'), { channel: 'db', verdict: 'pass' }, { channel: 'schema', verdict: 'diff', difference: ordersSchemaDiff }], {
          tags: ['schema'],
          durationMs: 210,
        }),
        scenario(
          'sales-chart',
          'diff',
          [
            {
              channel: 'http',
              path: '#1 GET /reports/sales.png',
              format: 'image',
              verdict: 'diff',
              difference: chartDifference(),
              exchange: {
                request: { method: 'GET', url: '/reports/sales.png', headers: [['accept', 'image/png']] },
                legacy: { status: 200, statusText: 'OK', headers: [['content-type', 'image/png']], body: '<binary, 412 bytes>' },
                candidate: { status: 200, statusText: 'OK', headers: [['content-type', 'image/png']], body: '<binary, 415 bytes>' },
              },
            },
          ],
          { tags: ['reports', 'image'], durationMs: 35 },
        ),
        scenario('list-orders-db', 'pass', [pass('#1 GET /orders'), { channel: 'db', verdict: 'pass' }, { channel: 'schema', verdict: 'pass' }], {
          tags: ['orders'],
          durationMs: 18,
        }),
      ],
      {
        legacy: { command: ['node', 'legacy/server.js'], version: 'orders 1.9.4', gitCommit: null },
        candidate: { command: ['node', 'dist/server.js'], version: 'orders 2.0.0-beta.1', gitCommit: null },
        revision: 'sha256:9b2e4c6d8f10',
        recordedAt: '2025-11-20T16:12:00.000Z',
      },
    ),
  );
}

/** Every channel and difference kind in one report: {@link sampleReport}'s two suites,
 * {@link serviceSuite} (HTTP exchanges) and {@link databaseSuite} (db rows, schema, images). */
export function channelsReport(): ParityReport {
  return reportOf([...sampleReport().suites, serviceSuite(), databaseSuite()]);
}

/**
 * A large report for scale tests and benchmarks: `count` scenarios in 4 suites (ids
 * `case-00001`…, tags `group-0`…`group-6` and `even`/`odd`); every 50th (2%) differs, in turn on
 * stdout (text), a JSON file, the database (rows), the schema, an HTTP exchange and an image;
 * every 500th of the others is `accepted`; the rest pass.
 */
export function largeReport(count: number): ParityReport {
  const kinds: Array<() => ChannelResult[]> = [
    () => [{ channel: 'stdout', format: 'text', verdict: 'diff', difference: stdoutDiff }, ...PASS_STDIO.slice(1)],
    () => [...PASS_STDIO, { channel: 'files', path: 'out/report.json', format: 'json', verdict: 'diff', difference: jsonDiff }],
    () => [{ channel: 'db', verdict: 'diff', difference: ordersRowsDiff }],
    () => [{ channel: 'schema', verdict: 'diff', difference: ordersSchemaDiff }],
    () => [
      {
        channel: 'http',
        path: '#1 POST /orders',
        format: 'json',
        verdict: 'diff',
        difference: createOrderDiff,
        exchange: {
          request: { method: 'POST', url: '/orders', headers: JSON_HEADERS, body: '{"sku":"A1","qty":"2"}' },
          legacy: { status: 201, statusText: 'Created', headers: JSON_HEADERS, body: '{"id":17,"sku":"A1","total":21}' },
          candidate: { status: 400, statusText: 'Bad Request', headers: JSON_HEADERS, body: '{"error":"qty must be a string"}' },
        },
      },
    ],
    () => [{ channel: 'http', path: '#1 GET /reports/sales.png', format: 'image', verdict: 'diff', difference: chart }],
  ];
  const chart = chartDifference();
  const suites: ScenarioReport[][] = [[], [], [], []];
  for (let i = 1; i <= count; i++) {
    const id = `case-${String(i).padStart(5, '0')}`;
    const tags = [`group-${i % 7}`, i % 2 === 0 ? 'even' : 'odd'];
    const into = suites[i % 4]!;
    if (i % 50 === 0) {
      const channels = kinds[(i / 50) % kinds.length]!();
      into.push(scenario(id, 'diff', channels, { tags, durationMs: 30 + (i % 17) }));
    } else if (i % 500 === 7) {
      into.push(
        scenario(id, 'accepted', [{ channel: 'exit', verdict: 'accepted', difference: exitDiff, deviations: ['exit-code-normalized'] }, ...PASS_STDIO.slice(0, 2)], {
          tags,
          durationMs: 25,
        }),
      );
    } else {
      into.push(scenario(id, 'pass', PASS_STDIO, { tags, durationMs: 10 + (i % 13) }));
    }
  }
  const names = ['cli', 'files', 'api', 'db'];
  return reportOf(
    suites.map((scenarios, i) =>
      suiteOf(names[i]!, scenarios, { legacy: LEDGER_LEGACY, candidate: LEDGER_CANDIDATE, revision: `sha256:${i}a`, recordedAt: null }),
    ),
  );
}
