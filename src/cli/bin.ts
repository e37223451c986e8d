import { exitOnSignals } from '../process/signals.js';
import { main } from './main.js';

exitOnSignals();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
