/** Cuts a child's output into lines as it arrives; `end` hands over a last line that has no newline. */
export function lineSplitter(onLine: (line: string) => void): { push(text: string): void; end(): void } {
  let pending = '';
  return {
    push(text) {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
    end() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}
