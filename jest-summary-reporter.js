// Prints one plain closing line per Jest run, `N passed, N failed`
// (', N skipped' when any were), so CI logs state what ran in one line
// (Nx prefixes it with the project name when it streams output).
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`${line}\n`);
  }
}
