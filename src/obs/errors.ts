import { WarcwireError } from '../errors';

/** Error codes of the metrics registry (misuse by the caller, never a runtime condition). */
export type MetricsErrorCode =
  | 'ERR_METRIC_NAME' // metric or label name outside the Prometheus character set
  | 'ERR_METRIC_CONFLICT' // same name asked for again with another type, label set or buckets
  | 'ERR_METRIC_LABELS' // labels given do not match the metric's label names
  | 'ERR_METRIC_VALUE' // NaN, or a counter decreased
  | 'ERR_METRIC_BUCKETS' // histogram buckets not finite, strictly increasing numbers
  | 'ERR_METRICS_LISTEN'; // the /metrics server could not bind its port

export class MetricsError extends WarcwireError {
  declare readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
