import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { WorkEvent } from 'slokit';
import {
  DEFAULT_REDACT_KEYS,
  WideAttributes,
  compileAttributePolicy,
  newDropCounts,
  redactQuery,
} from '../../src/context/attributes.js';
import { resetWarnings } from '../../src/runtime/diag.js';
import { createTestTelemetry } from '../helpers/otel.js';

const policy = (overrides: Partial<Parameters<typeof compileAttributePolicy>[0]> = {}) =>
  compileAttributePolicy({
    maxAttributes: 4,
    maxValueLength: 20,
    redactKeys: DEFAULT_REDACT_KEYS,
    ...overrides,
  });

describe('WideAttributes', () => {
  it('keeps valid values, skips null/undefined, drops invalid ones and counts them', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 10 }), drops);
    wide.add({
      a: 'x',
      b: 2,
      c: true,
      d: ['p', 'q'],
      e: null,
      f: undefined,
      g: { nested: 1 },
      h: [1, 'mixed'],
      i: () => 1,
    });
    expect(wide.values).toEqual({ a: 'x', b: 2, c: true, d: ['p', 'q'] });
    expect(drops).toEqual({
      attribute_limit: 0,
      invalid_value: 3,
      truncated_value: 0,
      reserved_key: 0,
      truncated_array: 0,
      key_too_long: 0,
    });
  });

  it('enforces the attribute count; overwriting a key does not count again', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy(), drops);
    wide.add({ a: 1, b: 2, c: 3, d: 4 });
    wide.add({ a: 10, e: 5, f: 6 });
    expect(wide.values).toEqual({ a: 10, b: 2, c: 3, d: 4 });
    expect(drops.attribute_limit).toBe(2);
  });

  it('truncates long strings (and array elements) to the limit with a marker', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxValueLength: 20 }), drops);
    wide.add({ s: 'a'.repeat(25), list: ['b'.repeat(30), 'ok'] });
    expect(wide.values.s).toBe('aaaaaaaa…[truncated]');
    expect((wide.values.s as string).length).toBe(20);
    expect(wide.values.list).toEqual(['bbbbbbbb…[truncated]', 'ok']);
    expect(drops.truncated_value).toBe(2);
  });

  it('redacts secret-looking keys by default and refuses slokit.* keys', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 20 }), drops);
    wide.add({
      'app.user.password': 'hunter2',
      'app.api_key': 'k',
      'app.apiKey': 'k',
      'app.session.token': 't',
      'http.request.header.authorization': ['Bearer x'],
      Cookie: 'c',
      'app.client_secret': 's',
      'app.tokenizer_version': 3,
      'app.passenger': 'not a secret',
      'slokit.sli.checkout.outcome': 'good',
    });
    expect(wide.values).toEqual({
      'app.user.password': '[REDACTED]',
      'app.api_key': '[REDACTED]',
      'app.apiKey': '[REDACTED]',
      'app.session.token': '[REDACTED]',
      'http.request.header.authorization': ['[REDACTED]'],
      Cookie: '[REDACTED]',
      'app.client_secret': '[REDACTED]',
      'app.tokenizer_version': '[REDACTED]',
      'app.passenger': 'not a secret',
    });
    expect(drops.reserved_key).toBe(1);
  });

  it('counts keys named like Object.prototype members against maxAttributes', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 4 }), drops);
    wide.add({ constructor: 'a', toString: 'b', valueOf: 'c', hasOwnProperty: 'd', isPrototypeOf: 'e' });
    expect(Object.keys(wide.values)).toEqual(['constructor', 'toString', 'valueOf', 'hasOwnProperty']);
    expect(wide.values.constructor).toBe('a');
    expect(drops.attribute_limit).toBe(1);
  });

  it('refuses a __proto__ key and counts it, whatever its value', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 10 }), drops);
    wide.add(JSON.parse('{"__proto__": "x", "app.a": 1}') as Record<string, unknown>);
    wide.add(JSON.parse('{"__proto__": ["polluted"]}') as Record<string, unknown>);
    wide.set('__proto__', 'y');
    expect(Object.keys(wide.values)).toEqual(['app.a']);
    expect(Object.getPrototypeOf(wide.values)).toBe(null);
    expect(drops.reserved_key).toBe(3);
  });

  it('cuts arrays to maxArrayLength and their strings to maxArrayElementLength, counting each cut', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(
      policy({ maxAttributes: 10, maxArrayLength: 3, maxArrayElementLength: 16 }),
      drops,
    );
    const huge = new Array<number>(1_000_000).fill(7);
    wide.add({
      numbers: huge,
      strings: Array.from({ length: 20_000 }, (_, i) => `item-${i}-${'z'.repeat(i % 30)}`),
      // Only the kept elements are looked at: a mixed tail beyond the limit is cut, not refused.
      tail: [true, false, true, 'not looked at'],
      short: ['a', 'b'],
    });
    expect(wide.values.numbers).toEqual([7, 7, 7]);
    expect(wide.values.strings).toEqual(['item-0-', 'item-1-z', 'item-2-zz']);
    expect(wide.values.tail).toEqual([true, false, true]);
    expect(wide.values.short).toEqual(['a', 'b']);
    expect(Object.isFrozen(wide.values.numbers)).toBe(true);
    expect(drops.truncated_array).toBe(3);
    wide.add({ long: ['x'.repeat(40), 'ok'] });
    expect(wide.values.long).toEqual(['xxxx…[truncated]', 'ok']);
    expect(drops.truncated_value).toBe(1);
  });

  it('drops keys longer than maxKeyLength and counts them', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 10, maxKeyLength: 8 }), drops);
    wide.add({ 'app.ok': 1, 'app.toolong': 2, ['k'.repeat(1_000_000)]: 'v' });
    expect(wide.values).toEqual({ 'app.ok': 1 });
    expect(drops.key_too_long).toBe(2);
  });

  it('survives hostile values: getters that throw, symbols, cycles, BigInt, Dates', () => {
    const drops = newDropCounts();
    const wide = new WideAttributes(policy({ maxAttributes: 20 }), drops);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile: Record<string | symbol, unknown> = {
      'app.ok': 'fine',
      'app.cyclic': cyclic,
      'app.bigint': 10n,
      'app.date': new Date(0),
      'app.symbol': Symbol('s'),
      'app.nan': Number.NaN,
      'app.inf': Number.POSITIVE_INFINITY,
      'app.fn': () => 1,
      [Symbol('key')]: 'a symbol key',
    };
    Object.defineProperty(hostile, 'app.getter', {
      enumerable: true,
      get() {
        throw new Error('getter bug');
      },
    });
    wide.add(hostile);
    wide.add({ 'app.after': 1 });
    expect(wide.values).toEqual({
      'app.ok': 'fine',
      'app.nan': Number.NaN,
      'app.inf': Number.POSITIVE_INFINITY,
      'app.after': 1,
    });
    // cyclic, bigint, date, symbol, fn, getter, and the symbol key
    expect(drops.invalid_value).toBe(7);
  });

  it('redacts every query value by default, keeping the names and the separators', () => {
    const p = policy();
    expect(redactQuery('token=abc&page=2&api%5Fkey=z&flag&empty=', p)).toBe(
      'token=[REDACTED]&page=[REDACTED]&api%5Fkey=[REDACTED]&flag&empty=',
    );
    // What a list of secret-looking names missed: each value is censored all the same.
    const missed = [
      'code=4/0AX4XfWh',
      'sig=Zm9vYmFy',
      'X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024',
      'X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request',
      'session=s%3Aabc.def',
      'jwt=eyJhbGciOiJIUzI1NiJ9.e30.sig',
      'key=AIzaSyD-secret',
      'private_key=-----BEGIN',
      'otp=123456',
    ];
    expect(redactQuery(missed.join('&'), p)).toBe(
      missed.map((pair) => `${pair.slice(0, pair.indexOf('='))}=[REDACTED]`).join('&'),
    );
    expect(redactQuery('page=2;token=abc', p)).toBe('page=[REDACTED];token=[REDACTED]');
    expect(redactQuery('', p)).toBe('');
  });

  it('censors a name that does not look like a parameter name: a token passed as the query', () => {
    const p = policy();
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redactQuery(jwt, p)).toBe('[REDACTED]');
    expect(redactQuery(`a%3Db%26c=1&${'n'.repeat(33)}=2&ok_name-1.x[]=3`, p)).toBe(
      '[REDACTED]=[REDACTED]&[REDACTED]=[REDACTED]&ok_name-1.x[]=[REDACTED]',
    );
  });

  it('keeps the values of allow-listed parameters, matched by decoded name, unless the name is secret', () => {
    const p = policy();
    const keep = new Set(['page', 'sort by', 'token']);
    expect(redactQuery('page=2&%70age=3&sort+by=name&Page=4&token=abc;page=5&q=x', p, keep)).toBe(
      'page=2&%70age=3&sort+by=name&Page=[REDACTED]&token=[REDACTED];page=5&q=[REDACTED]',
    );
    // A malformed escape is judged on the raw name: never kept.
    expect(redactQuery('pa%ge=1&page=%zz', p, keep)).toBe('[REDACTED]=[REDACTED]&page=%zz');
  });
});

describe('addContext', () => {
  afterEach(() => {
    diag.disable();
    resetWarnings();
  });

  it('is a no-op outside a request and logs that once', () => {
    const lines: string[] = [];
    const push = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, { suppressOverrideMessage: true });
    addContext({ 'app.a': 1 });
    addContext({ 'app.b': 2 });
    expect(lines.filter((l) => l.includes('addContext() was called outside'))).toHaveLength(1);
  });

  it('applies the kit options: limits, extra redaction keys, censor; drops are exported', async () => {
    const telemetry = createTestTelemetry();
    const job = defineSli<WorkEvent>({
      events: 'custom',
      name: 'job',
      objective: 0.99,
      good: (e) => e.error === undefined,
    });
    const kit = createSlokit({
      slis: [job],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
      limits: { maxAttributes: 3, maxValueLength: 16 },
      redact: { keys: ['app.email', /ssn/i], censor: '***' },
    });
    await kit.track(job, () => {
      addContext({ 'app.email': 'a@b.c', 'app.SSN': '123', 'app.note': 'x'.repeat(40), 'app.extra': 1 });
    });
    const [span] = telemetry.spans();
    expect(span!.attributes).toMatchObject({
      'app.email': '***',
      'app.SSN': '***',
      'app.note': 'xxxx…[truncated]',
    });
    expect(span!.attributes['app.extra']).toBeUndefined();
    const dropped = await telemetry.sumPoints('slokit.dropped');
    expect(Object.fromEntries(dropped.map((p) => [p.attributes['slokit.dropped.what'], p.value]))).toEqual({
      attribute_limit: 1,
      invalid_value: 0,
      truncated_value: 1,
      reserved_key: 0,
      truncated_array: 0,
      key_too_long: 0,
    });
    await telemetry.shutdown();
  });
});
