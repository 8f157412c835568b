import { describe, expect, it } from 'vitest';
import { ParityError } from '../harness/errors.ts';
import { hostileReport, sampleReport, serviceReport } from './fixtures.ts';
import { parseReport, renderJson } from './json.ts';

function failure(text: string): ParityError {
  try {
    parseReport(text, 'parity-report/report.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ParityError);
    return error as ParityError;
  }
  throw new Error('parseReport did not throw');
}

describe('renderJson', () => {
  it('is pretty JSON with a final newline that parses back equal', () => {
    const report = sampleReport();
    const text = renderJson(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "formatVersion": 1,');
    expect(parseReport(text, 'report.json')).toEqual(report);
  });

  it('round-trips hostile content unchanged', () => {
    const report = hostileReport();
    expect(parseReport(renderJson(report), 'report.json')).toEqual(report);
  });
});

describe('parseReport', () => {
  it('rejects a newer formatVersion naming file, field and fix', () => {
    const data = JSON.parse(renderJson(sampleReport()));
    data.formatVersion = 2;
    const error = failure(JSON.stringify(data));
    expect(error.code).toBe('USAGE');
    expect(error.file).toBe('parity-report/report.json');
    expect(error.message).toBe('parity-report/report.json: formatVersion 2 is not supported (supports 1); re-run paritykit verify to write a new one or upgrade paritykit');
  });

  it('rejects a missing formatVersion and non-objects', () => {
    expect(failure('{}').message).toContain('formatVersion is missing (supports 1)');
    expect(failure('[1]').message).toContain('expected a JSON object');
  });

  it('rejects text that is not JSON', () => {
    const error = failure('{"formatVersion": 1,');
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/^parity-report\/report\.json: not valid JSON \(.+\); re-run paritykit verify/);
  });

  it('names the path of a wrong field', () => {
    const data = JSON.parse(renderJson(sampleReport()));
    data.suites[0].scenarios[3].verdict = 'maybe';
    expect(failure(JSON.stringify(data)).message).toMatch(/^parity-report\/report\.json: suites\[0\]\.scenarios\[3\]\.verdict is invalid: .*"pass".*; re-run paritykit verify/);
    const data2 = JSON.parse(renderJson(sampleReport()));
    delete data2.suites[0].scenarios[2].channels[0].difference.hunks;
    expect(failure(JSON.stringify(data2)).message).toContain('suites[0].scenarios[2].channels[0].difference.hunks is invalid');
    const data3 = JSON.parse(renderJson(sampleReport()));
    data3.totals.pass = -1;
    expect(failure(JSON.stringify(data3)).message).toContain('totals.pass is invalid');
  });

  it('checks deviations, noise, flaky and unreferenced fields', () => {
    const bad = (edit: (data: any) => void): string => {
      const data = JSON.parse(renderJson(sampleReport()));
      edit(data);
      return failure(JSON.stringify(data)).message;
    };
    expect(bad((d) => (d.suites[0].deviations[1].status = 'stale'))).toContain('suites[0].deviations[1].status is invalid');
    expect(bad((d) => delete d.suites[0].deviations[0].covered)).toContain('suites[0].deviations[0].covered is invalid');
    expect(bad((d) => (d.suites[0].scenarios[0].noise[0].where.kind = 'xml'))).toContain('suites[0].scenarios[0].noise[0].where.kind is invalid');
    expect(bad((d) => (d.suites[0].scenarios[6].flaky.varying = 'stdout'))).toContain('suites[0].scenarios[6].flaky.varying is invalid');
    expect(bad((d) => (d.suites[0].unreferenced.policy = 'ignore'))).toContain('suites[0].unreferenced.policy is invalid');
    expect(bad((d) => (d.suites[0].scenarios[5].channels[3].verdict = 'explained'))).toContain('suites[0].scenarios[5].channels[3].verdict is invalid');
  });

  it('reads http exchanges and http noise rules back, and checks their shape', () => {
    const report = serviceReport();
    report.suites[0]!.scenarios[0]!.noise = [{ channel: 'http', path: '#1', where: { kind: 'json', path: '$.generatedAt' }, values: ['a', 'b'] }];
    const parsed = parseReport(renderJson(report), 'report.json');
    expect(parsed).toEqual(report);
    expect(parsed.suites[0]!.scenarios[1]!.channels[0]!.exchange!.candidate!.status).toBe(400);
    const bad = (edit: (data: any) => void): string => {
      const data = JSON.parse(renderJson(serviceReport()));
      edit(data);
      return failure(JSON.stringify(data)).message;
    };
    const exchange = (d: any) => d.suites[0].scenarios[1].channels[0].exchange;
    expect(bad((d) => (exchange(d).legacy.status = '201'))).toContain('suites[0].scenarios[1].channels[0].exchange.legacy.status is invalid');
    expect(bad((d) => (exchange(d).request.headers = [['content-type']]))).toContain('suites[0].scenarios[1].channels[0].exchange.request.headers[0]');
    expect(bad((d) => delete exchange(d).request.url)).toContain('suites[0].scenarios[1].channels[0].exchange.request.url is invalid');
  });

  it('keeps unknown fields and restores undefined value-difference sides', () => {
    const data = JSON.parse(renderJson(sampleReport()));
    data.futureField = { x: 1 };
    const exit = data.suites[0].scenarios[2].channels[2].difference;
    delete exit.legacy;
    const report = parseReport(JSON.stringify(data), 'r.json') as unknown as Record<string, unknown>;
    expect(report.futureField).toEqual({ x: 1 });
    const parsed = parseReport(JSON.stringify(data), 'r.json').suites[0]!.scenarios[2]!.channels[2]!.difference!;
    expect(parsed.kind).toBe('value');
    expect('legacy' in parsed && parsed.legacy).toBeUndefined();
  });
});
