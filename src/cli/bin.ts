import { exitOnSignals } from '../process/signals.js';
import { guardProcessOutput } from '../report/github-commands.js';
import { main } from './main.js';

guardProcessOutput();
exitOnSignals();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
