/** Prints one scenario's figures on their own line, so they show in `nx e2e cluster` output. */
export function report(scenario: string, figures: Record<string, string | number>): void {
  const text = Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stdout.write(`[e2e] ${scenario}: ${text}\n`);
}
