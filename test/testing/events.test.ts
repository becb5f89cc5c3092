import { describe, expect, it } from 'vitest';
import { httpEvent } from 'slokit/testing';

describe('httpEvent', () => {
  it('builds a fast, successful GET / by default', () => {
    expect(httpEvent()).toEqual({ method: 'GET', route: '/', status: 200, durationMs: 10 });
  });

  it('applies overrides, including undefined for "no status sent" and "no route"', () => {
    expect(httpEvent({ method: 'POST', route: '/api/checkout', durationMs: 450 })).toEqual({
      method: 'POST',
      route: '/api/checkout',
      status: 200,
      durationMs: 450,
    });
    const aborted = httpEvent({ aborted: true, status: undefined, route: undefined, durationMs: 1_200 });
    expect(aborted).toEqual({
      method: 'GET',
      route: undefined,
      status: undefined,
      durationMs: 1_200,
      aborted: true,
    });
    expect('status' in aborted && aborted.status === undefined).toBe(true);
  });

  it('returns a new object every time', () => {
    expect(httpEvent()).not.toBe(httpEvent());
  });
});
