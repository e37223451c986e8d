/** Cuts a child's output into lines as it arrives; `end` hands over a last line that has no newline. */
export function lineSplitter(onLine: (line: string) => void): { push(text: string): void; end(): void } {
  let pending = '';
  return {
    push(text) {
      const buffered = pending + text;
      let start = 0;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n', start)) {
        onLine(buffered.slice(start, nl));
        start = nl + 1;
      }
      pending = buffered.slice(start);
    },
    end() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}
