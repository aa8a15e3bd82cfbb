/**
 * Progress for long jobs on the terminal: one line redrawn in place on a TTY, a line per stage
 * otherwise (CI logs, pipes). Writes to stderr so stdout stays clean for output and logs.
 */
export function progressReporter(out: NodeJS.WriteStream = process.stderr): (stage: string, done: number, total: number) => void {
  let lastStage = '';
  let lastDraw = 0;
  return (stage, done, total) => {
    const finished = done >= total;
    if (out.isTTY) {
      const now = Date.now();
      if (!finished && stage === lastStage && now - lastDraw < 50) return;
      lastDraw = now;
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      out.write(`\r  ${stage.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${finished ? '\n' : ''}`);
    } else if (finished) {
      out.write(`  ${stage}: ${total} rows\n`);
    }
    lastStage = stage;
  };
}
