/** Prometheus text exposition for executions (by outcome), their durations, and worker restarts. */
const BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

export class Metrics {
  readonly #byOutcome = new Map<string, number>();
  readonly #buckets = new Array<number>(BUCKETS_MS.length).fill(0);
  #count = 0;
  #sumMs = 0;

  /** One finished execution: its outcome ('ok' or an error code) and wall time. */
  observe(trigger: string, outcome: string, wallMs: number): void {
    const k = `trigger="${trigger}",outcome="${outcome}"`;
    this.#byOutcome.set(k, (this.#byOutcome.get(k) ?? 0) + 1);
    this.#count++;
    this.#sumMs += wallMs;
    for (let i = 0; i < BUCKETS_MS.length; i++) if (wallMs <= BUCKETS_MS[i]) this.#buckets[i]++;
  }

  render(restarts: number): string {
    const lines = [
      '# HELP scriptforge_executions_total Executions by trigger and outcome (ok or the error code).',
      '# TYPE scriptforge_executions_total counter',
      ...[...this.#byOutcome].map(([k, v]) => `scriptforge_executions_total{${k}} ${v}`),
      '# HELP scriptforge_execution_duration_seconds Wall time of executions.',
      '# TYPE scriptforge_execution_duration_seconds histogram',
      ...BUCKETS_MS.map((b, i) => `scriptforge_execution_duration_seconds_bucket{le="${b / 1000}"} ${this.#buckets[i]}`),
      `scriptforge_execution_duration_seconds_bucket{le="+Inf"} ${this.#count}`,
      `scriptforge_execution_duration_seconds_sum ${this.#sumMs / 1000}`,
      `scriptforge_execution_duration_seconds_count ${this.#count}`,
      '# HELP scriptforge_worker_restarts_total Sandbox worker processes killed or crashed and replaced.',
      '# TYPE scriptforge_worker_restarts_total counter',
      `scriptforge_worker_restarts_total ${restarts}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
