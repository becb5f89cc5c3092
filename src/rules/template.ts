/**
 * Alert labels and annotations are Go templates in Prometheus
 * (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/#templating), in the
 * rules slokit writes and in those Sloth and Pyrra write from slokit's specs: a user's description or
 * owner holding `{{` would be expanded, or break the rule file. `{{ "{{" }}` prints the two braces
 * literally. Pure.
 *
 * @example
 * literal('p99 {{ under }} 300 ms'); // 'p99 {{ "{{" }} under }} 300 ms', which Prometheus prints as given
 */
export function literal(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}
