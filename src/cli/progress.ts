/**
 * A progress line on stderr: redrawn in place on a terminal, a line per quarter otherwise (CI logs stay short).
 */
export function progressReporter(
  label: string,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
) {
  const started = Date.now();
  let lastQuarter = '';
  return {
    update(done: number, total: number, phase = ''): void {
      const share = total === 0 ? 1 : done / total;
      const text = `${label}${phase ? ` ${phase}` : ''} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.floor(share * 100)}%)`;
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round(share * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
        return;
      }
      const quarter = `${phase}${Math.floor(share * 4)}`;
      if (quarter !== lastQuarter) {
        lastQuarter = quarter;
        stream.write(`${text}\n`);
      }
    },
    done(summary: string): void {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      stream.write(`${stream.isTTY ? '\r\x1b[K' : ''}${label} ${summary} in ${seconds} s\n`);
    },
  };
}
