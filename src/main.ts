/** kiln's entry point. performance.now() counts from process start, which the startup message reports. */
import { main } from './cli/main.ts';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
