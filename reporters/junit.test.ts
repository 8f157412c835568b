import { describe, expect, it } from 'vitest';
import { hostileReport, reportOf, sampleReport } from './fixtures.ts';
import { legalXmlChars, renderJUnit } from './junit.ts';

/**
 * A minimal XML 1.0 well-formedness check (no dependency): one prolog, every `<` opens a
 * well-formed tag with quoted, unique attributes, every `&` starts a predefined or numeric
 * reference, tags nest and close in order, one root, only legal characters.
 * Returns the element names in document order.
 */
function checkWellFormed(xml: string): string[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('?>') + 2);
  expect(legalXmlChars(body)).toBe(body);
  expect(body).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  let i = 0;
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)>/y;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt === -1 ? body.length : lt);
    if (stack.length === 0) expect(text.trim(), 'text outside the root').toBe('');
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    expect(m, `malformed tag at ${body.slice(lt, lt + 60)}`).not.toBeNull();
    const [, close, name, attrs, selfClose] = m!;
    const attrNames = [...attrs!.matchAll(/([\w.:-]+)="/g)].map((a) => a[1]);
    expect(new Set(attrNames).size, `duplicate attribute in <${name}>`).toBe(attrNames.length);
    if (close) {
      expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name);
    } else {
      if (stack.length === 0) roots += 1;
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
    i = tag.lastIndex;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return names;
}

function testcase(xml: string, name: string): string {
  const start = xml.indexOf(`<testcase classname="paritykit.ledger-cli" name="${name}"`);
  expect(start, name).toBeGreaterThan(-1);
  const selfClosed = xml.indexOf('/>', start);
  const open = xml.indexOf('>', start);
  if (selfClosed + 1 === open) return xml.slice(start, open + 1);
  return xml.slice(start, xml.indexOf('</testcase>', start) + '</testcase>'.length);
}

describe('renderJUnit', () => {
  it('is well-formed with JUnit counts per run and per suite', () => {
    const xml = renderJUnit(sampleReport());
    const names = checkWellFormed(xml);
    expect(names.filter((n) => n === 'testsuite')).toHaveLength(2);
    // 12 scenarios, plus one failing case for the expired deviation
    expect(names.filter((n) => n === 'testcase')).toHaveLength(13);
    expect(xml).toContain('<testsuites name="paritykit" tests="13" failures="5" errors="2" skipped="1" time="12.345" timestamp="2025-11-21T10:30:00.000Z">');
    expect(xml).toMatch(/<testsuite name="ledger-cli" tests="11" failures="5" errors="2" skipped="1" time="7\.743" /);
    expect(xml).toMatch(/<testsuite name="ledger-migrations" tests="2" failures="0" errors="0" skipped="0" time="0\.118" /);
    expect(xml).toContain('<property name="legacy.version" value="ledger 2.7.1 (Python 2.7.18)"/>');
    expect(xml).toContain('<property name="baseline.revision" value="sha256:7d1e4b2c9a0f"/>');
  });

  it('maps each verdict to its JUnit outcome', () => {
    const xml = renderJUnit(sampleReport());
    expect(testcase(xml, 'balance-simple')).toBe('<testcase classname="paritykit.ledger-cli" name="balance-simple" time="0.035"/>');

    const diff = testcase(xml, 'balance-negative');
    expect(diff).toContain('<failure message="stdout: 1 line changed; exit: exit code 1 → 0" type="diff">== stdout: 1 line changed\n--- legacy stdout\n');
    expect(diff).toContain('\n-savings        -35.50\n+savings        (35.50)\n');
    expect(diff).toContain('== exit: exit code 1 → 0\n~ exit.code: 1 → 0</failure>');

    expect(testcase(xml, 'report-monthly-json')).toContain('~ $.totals.net: 84.5 → "84.50" (type)'); // quotes need no escape in text
    expect(testcase(xml, 'import-large')).toContain('type="flaky">');
    expect(testcase(xml, 'import-corrupt')).toMatch(/<error message="candidate could not be compared: [^"]*&quot;node&quot;[^"]*" type="error">/);
    expect(testcase(xml, 'import-empty')).toContain('type="missing">no baseline for scenario "import-empty"');
    expect(testcase(xml, 'help-version')).toContain('<skipped message="not in the baseline yet" type="new"/>');
    const accepted = testcase(xml, 'export-pdf');
    expect(accepted).not.toMatch(/<failure|<error|<skipped/);
    expect(accepted).toContain('<system-out>accepted: differences match reviewed deviations.\n\n== files out/statement.pdf: binary content differs (18,204 → 18,311 bytes) (accepted by pdf-renderer)\nlegacy: ');
    expect(testcase(xml, 'import-large')).toContain("varied between the candidate's 3 runs:\nstdout line 4\nstdout line 9\n\n== stdout:");
  });

  it('fails on expired deviations and unreferenced baselines under the fail policy, and notes the rest', () => {
    const xml = renderJUnit(sampleReport());
    expect(xml).toContain(
      '<testcase classname="paritykit.ledger-cli.deviations" name="help-wording" time="0.000">\n' +
        '      <failure message="deviation help-wording expired after 2025-10-31; fix the difference or renew the deviation" type="expired-deviation">' +
        'help-wording (expired) · stdout /^Usage:/\nreason: Help text reworded for the new command-line parser.\nticket: LEDGER-150\nexpires: 2025-10-31\ncovered: nothing in this run</failure>',
    );
    const notes = /<testsuite name="ledger-cli"[\s\S]*?<system-out>([\s\S]*?)<\/system-out>\n {2}<\/testsuite>/.exec(xml)![1]!;
    expect(notes).toContain('Known deviations: 1 active, 1 obsolete, 1 expired');
    expect(notes).toContain('obsolete (matched nothing; remove it): csv-quoting (obsolete) · files out/*.csv memo');
    expect(notes).toContain('Learned noise ignored (4):\nbalance-simple: stdout line 1 ~ /^Report generated at');
    expect(notes).toContain('report-monthly-json: files out/report.json $.generatedAt');
    expect(notes).toContain('Legacy non-deterministic (add a normalizer):\nbalance-multi-currency: stdout: the legacy printed 3 lines');
    expect(notes).toContain('Unreferenced baselines (policy warn: kept; listed as a warning):\nbalance-legacy-format\nexport-xml');

    const hostile = renderJUnit(hostileReport()); // its unreferenced policy is fail
    expect(hostile).toMatch(/<testcase classname="paritykit\.ledger [^"]*" name="unreferenced baselines" time="0\.000">\n {6}<failure message="10 baselines with no scenario in the config \(policy fail\)" type="unreferenced">/);
    expect(hostile).toMatch(/<testsuite name="ledger [^"]*" tests="12" failures="6" /);
  });

  it('escapes everything and drops characters XML 1.0 forbids', () => {
    const xml = renderJUnit(hostileReport());
    checkWellFormed(xml);
    expect(xml).not.toContain('<script');
    expect(xml).not.toContain('<img');
    expect(xml).not.toContain(']]>');
    expect(xml).toContain('name="balance-simple/&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(xml).toContain('classname="paritykit.ledger &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(xml).toContain('\ufffd[2J\ufffd[31mfake&#13;\ufffd'); // ESC and BEL replaced, CR kept as a reference in attributes
    expect(xml).toMatch(/message="[^"]*```&#10;# heading injected&#10;```/);
    expect(legalXmlChars('a\u0000b\u0008c\td\ne\rf\ud800g\ufffeh\u{1f600}')).toBe('a\ufffdb\ufffdc\td\ne\rf\ufffdg\ufffdh\u{1f600}');
  });

  it('renders an empty run', () => {
    const xml = renderJUnit(reportOf([]));
    checkWellFormed(xml);
    expect(xml).toContain('tests="0" failures="0" errors="0" skipped="0"');
  });
});
