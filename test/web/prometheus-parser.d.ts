/** Types of `parse-prometheus-text-format` (a Prometheus text-format parser; the package ships none). */
declare module "parse-prometheus-text-format" {
  export interface PrometheusMetric {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: string;
    metrics: PrometheusMetric[];
  }
  /** Parses an exposition; throws on a line that is not valid Prometheus text format. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
