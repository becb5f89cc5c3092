import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defineSli } from 'slokit';
import { toOpenSlo, toPrometheusRules, toPyrraSlos, toSlothSpec, toYaml } from 'slokit/rules';
import { apiAvailability, checkout, slis } from '../../examples/slis.js';

describe('toSlothSpec', () => {
  it('writes a prometheus/v1 spec with event queries templated on {{.window}}', () => {
    expect(toSlothSpec([checkout, apiAvailability], { service: 'shop', labels: { team: 'shop' } })).toEqual({
      version: 'prometheus/v1',
      service: 'shop',
      labels: { team: 'shop' },
      slos: [
        {
          name: 'checkout',
          description: 'Checkout requests answer 2xx in under 300 ms',
          objective: 99.9,
          sli: {
            events: {
              error_query:
                'sum(rate(slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad"}[{{.window}}]))',
              total_query: 'sum(rate(slokit_sli_events_total{slokit_sli_name="checkout"}[{{.window}}]))',
            },
          },
          alerting: {
            name: 'SlokitErrorBudgetBurn',
            labels: { slokit_sli_name: 'checkout', owner: 'shop-team' },
            annotations: { runbook_url: 'https://runbooks.example.com/shop/checkout' },
            page_alert: {
              labels: { severity: 'page' },
              annotations: {
                summary:
                  'checkout: more than 2% of its 28-day error budget spent in the last hour or 5% in the last 6 hours',
                description:
                  'The 99.9% objective allows 0.1% bad events over 28 days. The SLI: Checkout requests answer 2xx in under 300 ms. Owner: shop-team.',
              },
            },
            ticket_alert: {
              labels: { severity: 'ticket' },
              annotations: {
                summary:
                  'checkout: more than 10% of its 28-day error budget spent in the last day or 10% in the last 3 days',
                description:
                  'The 99.9% objective allows 0.1% bad events over 28 days. The SLI: Checkout requests answer 2xx in under 300 ms. Owner: shop-team.',
              },
            },
          },
        },
        {
          name: 'api-availability',
          description: 'API requests are answered without a server error (5xx)',
          objective: 99.5,
          sli: {
            events: {
              error_query:
                'sum(rate(slokit_sli_events_total{slokit_sli_name="api-availability",slokit_sli_outcome="bad"}[{{.window}}]))',
              total_query:
                'sum(rate(slokit_sli_events_total{slokit_sli_name="api-availability"}[{{.window}}]))',
            },
          },
          alerting: {
            name: 'SlokitErrorBudgetBurn',
            labels: { slokit_sli_name: 'api-availability', owner: 'shop-team' },
            page_alert: {
              labels: { severity: 'page' },
              annotations: {
                summary:
                  'api-availability: more than 2% of its 28-day error budget spent in the last hour or 5% in the last 6 hours',
                description:
                  'The 99.5% objective allows 0.5% bad events over 28 days. The SLI: API requests are answered without a server error (5xx). Owner: shop-team.',
              },
            },
            ticket_alert: {
              labels: { severity: 'ticket' },
              annotations: {
                summary:
                  'api-availability: more than 10% of its 28-day error budget spent in the last day or 10% in the last 3 days',
                description:
                  'The 99.5% objective allows 0.5% bad events over 28 days. The SLI: API requests are answered without a server error (5xx). Owner: shop-team.',
              },
            },
          },
        },
      ],
    });
  });

  it('defaults the service to "slokit" and puts the selector in both queries and in the labels', () => {
    const spec = toSlothSpec([checkout], { selector: { job: 'shop' } });
    expect(spec.service).toBe('slokit');
    // On everything Sloth records, so that a spec for another job records other series.
    expect(spec.labels).toEqual({ job: 'shop' });
    expect(toSlothSpec([checkout])).not.toHaveProperty('labels');
    expect(spec.slos[0]!.sli.events.total_query).toBe(
      'sum(rate(slokit_sli_events_total{slokit_sli_name="checkout",job="shop"}[{{.window}}]))',
    );
  });

  it('refuses SLIs with different windows: a spec has one period', () => {
    const monthly = defineSli({ name: 'monthly', objective: '99%', window: '30d', good: { status: '2xx' } });
    expect(() => toSlothSpec([checkout, monthly])).toThrow(
      'toSlothSpec: a Sloth spec has one SLO period (sloth generate --default-slo-period), but the SLIs\' windows differ: "checkout" 28d, "monthly" 30d; generate one spec per window (slokit rules --sli <name>) [SLOKIT_E_RULES_FORMAT]',
    );
  });

  it('disables the page alert when no page tier can fire (under impossibleTiers: drop)', () => {
    // At 50% the budget is 50%: the page tiers need 13.44 × 50% and 5.6 × 50%, both above 100%.
    const loose = defineSli({ name: 'loose', objective: '50%', good: { status: '<500' } });
    const warnings: string[] = [];
    const spec = toSlothSpec([loose], {
      impossibleTiers: 'drop',
      onWarning: (w) => warnings.push(w.message),
    });
    expect(spec.slos[0]!.alerting.page_alert).toEqual({ disable: true });
    // Only the 3d/6h ticket tier can fire at 50%, so the ticket's words name that tier alone.
    expect(spec.slos[0]!.alerting.ticket_alert).toEqual({
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'loose: more than 10% of its 28-day error budget spent in the last 3 days',
        description:
          'The 50% objective allows 50% bad events over 28 days. The SLI: every HTTP request; good when the status is below 500; requests the client abandoned are not counted.',
      },
    });
    expect(warnings).toHaveLength(3); // 13.44, 5.6 and 2.8 × 50% are all above 100%
  });
});

describe('toPyrraSlos', () => {
  it('writes one ServiceLevelObjective per SLI with a ratio indicator', () => {
    expect(
      toPyrraSlos([checkout], { namespace: 'shop', labels: { team: 'shop' }, selector: { job: 'shop' } }),
    ).toEqual([
      {
        apiVersion: 'pyrra.dev/v1alpha1',
        kind: 'ServiceLevelObjective',
        metadata: {
          name: 'checkout',
          namespace: 'shop',
          labels: { team: 'shop', 'pyrra.dev/team': 'shop', 'pyrra.dev/owner': 'shop-team' },
        },
        spec: {
          description: 'Checkout requests answer 2xx in under 300 ms',
          target: '99.9',
          window: '28d',
          indicator: {
            ratio: {
              errors: {
                metric:
                  'slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad",job="shop"}',
              },
              total: { metric: 'slokit_sli_events_total{slokit_sli_name="checkout",job="shop"}' },
            },
          },
          alerting: {
            name: 'SlokitErrorBudgetBurn',
            severities: {
              fastBurn: 'page',
              mediumBurn: 'page',
              slowBurn: 'ticket',
              longTermBurn: 'ticket',
              absent: 'page',
            },
          },
        },
      },
    ]);
    expect(toPyrraSlos([checkout], { severities: 'pyrra' })[0]!.spec.alerting).toEqual({
      name: 'SlokitErrorBudgetBurn',
    });
  });

  it('makes Kubernetes names of SLI names, and refuses two SLIs that collide', () => {
    const a = defineSli({ name: 'cart_add_', objective: 0.99, good: { status: '2xx' } });
    expect(toPyrraSlos([a])[0]!.metadata).toEqual({ name: 'cart-add', namespace: 'monitoring' });
    const b = defineSli({ name: 'cart-add', objective: 0.99, good: { status: '2xx' } });
    expect(() => toPyrraSlos([a, b])).toThrow(
      'toPyrraSlos: SLIs "cart_add_" and "cart-add" would both be named "cart-add" (object names cannot hold "_" or end with "-"); rename one of them [SLOKIT_E_RULES_FORMAT]',
    );
  });

  it('leaves out, with a warning, an owner that cannot be a Kubernetes label value', () => {
    const team = defineSli({ name: 'team', objective: 0.99, good: {}, owner: 'Shop team' });
    const warnings: unknown[] = [];
    const [slo] = toPyrraSlos([team], { onWarning: (w) => warnings.push(w) });
    expect(slo!.metadata).toEqual({ name: 'team', namespace: 'monitoring' });
    expect(warnings).toEqual([
      {
        code: 'SLOKIT_E_RULES_FORMAT',
        sli: 'team',
        message:
          'SLI "team": its owner "Shop team" is not a Kubernetes label value (up to 63 letters, digits, "-", "_" and "."), so the Pyrra resource carries no pyrra.dev/owner label; use an owner such as "shop-team"',
      },
    ]);
  });

  it('checks the namespace', () => {
    expect(() => toPyrraSlos([checkout], { namespace: 'Shop' })).toThrow(
      /namespace must be a Kubernetes namespace name.*\[SLOKIT_E_RULES_OPTION\]$/,
    );
  });
});

describe('toOpenSlo', () => {
  it('writes a Service, then an SLI and an SLO per SLI', () => {
    const docs = toOpenSlo([checkout], { service: 'shop', dataSource: 'prometheus' });
    const source = (query: string) => ({
      metricSource: { metricSourceRef: 'prometheus', type: 'Prometheus', spec: { query } },
    });
    expect(docs).toEqual([
      {
        apiVersion: 'openslo/v1',
        kind: 'Service',
        metadata: { name: 'shop' },
        spec: { description: 'SLOs of shop, generated by slokit from its SLIs' },
      },
      {
        apiVersion: 'openslo/v1',
        kind: 'SLI',
        metadata: { name: 'checkout', displayName: 'checkout' },
        spec: {
          description: 'Checkout requests answer 2xx in under 300 ms',
          ratioMetric: {
            counter: true,
            good: source('slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="good"}'),
            total: source('slokit_sli_events_total{slokit_sli_name="checkout"}'),
          },
        },
      },
      {
        apiVersion: 'openslo/v1',
        kind: 'SLO',
        metadata: {
          name: 'checkout',
          displayName: 'checkout',
          annotations: {
            owner: 'shop-team',
            rationale: 'Shoppers abandon a checkout that takes longer than 300 ms (2025 funnel study).',
            runbook: 'https://runbooks.example.com/shop/checkout',
          },
        },
        spec: {
          description: 'Checkout requests answer 2xx in under 300 ms',
          service: 'shop',
          indicatorRef: 'checkout',
          timeWindow: [{ duration: '28d', isRolling: true }],
          budgetingMethod: 'Occurrences',
          objectives: [{ displayName: '99.9% good over 28d', target: 0.999 }],
        },
      },
    ]);
  });

  it('writes windows as OpenSLO duration shorthands and refuses what is not whole minutes', () => {
    const hours = defineSli({ name: 'h', objective: 0.99, window: '100h', good: { status: '2xx' } });
    const slo = toOpenSlo([hours])[2]!;
    expect(slo.kind === 'SLO' && slo.spec.timeWindow[0].duration).toBe('100h');
    const odd = defineSli({ name: 'odd', objective: 0.99, window: '259201s', good: { status: '2xx' } });
    expect(() => toOpenSlo([odd])).toThrow(
      'toOpenSlo: SLI "odd": an OpenSLO time window is a whole number of minutes, hours or days; got 259201000 ms [SLOKIT_E_RULES_FORMAT]',
    );
  });
});

describe('toYaml', () => {
  it('writes one document, or a multi-document stream for an array, after the header comments', () => {
    const text = toYaml(toPyrraSlos(slis), { header: 'Generated by slokit.\n\nDo not edit.' });
    expect(
      text.startsWith('# Generated by slokit.\n#\n# Do not edit.\napiVersion: pyrra.dev/v1alpha1\n'),
    ).toBe(true);
    const docs = parseAllDocuments(text);
    expect(docs).toHaveLength(3);
    expect(docs.map((doc) => (doc.toJS() as { metadata: { name: string } }).metadata.name)).toEqual([
      'checkout',
      'api-availability',
      'catalog-freshness',
    ]);
    expect(docs.every((doc) => doc.errors.length === 0)).toBe(true);
  });

  it('round-trips: parsing the YAML gives back the generated object, without anchors', () => {
    const rules = toPrometheusRules(slis, { labels: { team: 'shop' } });
    const text = toYaml(rules);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(parseAllDocuments(text)[0]!.toJS()).toEqual(rules);
    expect(text).toContain('expr: |-\n          sum by (slokit_sli_name)');
    const sloth = toSlothSpec(slis);
    expect(parseAllDocuments(toYaml(sloth))[0]!.toJS()).toEqual(sloth);
    const openslo = toOpenSlo(slis);
    expect(parseAllDocuments(toYaml(openslo)).map((doc) => doc.toJS() as unknown)).toEqual(openslo);
  });
});
