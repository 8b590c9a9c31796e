/**
 * kiln's entry point. The same binary is also the in-sandbox init stage (`--kiln-init=FD`), which loads
 * only what it needs. performance.now() counts from process start, which the startup message reports.
 *
 * cli/main.ts turns every error of a command into a message and an exit status; what still gets here (an
 * error in the init stage, in a callback, or in printing a message) is reported in one line and exits 1,
 * never as a stack trace unless asked for.
 */
import { debugRequested, formatInternalError } from './internal-error.ts';
import { writeAll } from './sys/fs.ts';

const argv = process.argv.slice(2);
const isInit = argv[0]?.startsWith('--kiln-init=') === true && argv[1] === '--';

function fail(e: unknown): never {
  const text = formatInternalError(e, isInit ? 'kiln: init' : 'kiln', debugRequested(isInit ? [] : argv, process.env));
  try {
    writeAll(2, text); // synchronous, so that the line is out before the exit
  } catch {
    // libc is out of reach (bun:ffi cannot start without its JIT under a small rlimit-as): Bun's own way.
    console.error(text.trimEnd());
  }
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

if (argv[0]?.startsWith('--kiln-output=') === true && argv[1] === '--') {
  // --output's log relay (src/launch/output.ts), started by the launch before it execs.
  void import('./launch/output-relay.ts').then(({ runOutputRelay }) => {
    process.exitCode = runOutputRelay(Number(argv[0]?.slice('--kiln-output='.length)), argv[2] ?? '');
  });
} else if (argv[0]?.startsWith('--kiln-trace=') === true && argv[1] === '--') {
  // --trace's relay (src/trace/relay.ts), started by the launch before it execs.
  void import('./trace/relay.ts').then(({ runTraceRelay }) => {
    process.exitCode = runTraceRelay(Number(argv[0]?.slice('--kiln-trace='.length)), argv[2] ?? '/');
  });
} else if (argv[0]?.startsWith('--kiln-net=') === true && argv.length === 1) {
  // The network's set-up stage (src/net/setup.ts), started by the launch before it execs.
  void import('./net/setup.ts').then(async ({ runNetworkSetup }) => {
    process.exitCode = await runNetworkSetup(Number(argv[0]?.slice('--kiln-net='.length)));
  });
} else if (argv[0]?.startsWith('--kiln-tracelog=') === true && argv.length === 1) {
  // tracelog's supervisor (src/tracelog/supervisor.ts), started by the launch before it execs.
  void import('./tracelog/supervisor.ts').then(({ runTracelog }) => {
    process.exitCode = runTracelog(Number(argv[0]?.slice('--kiln-tracelog='.length)));
  });
} else if (isInit) {
  void import('./launch/init.ts').then(({ runInit }) => runInit(Number(argv[0]?.slice('--kiln-init='.length)), argv.slice(2)));
} else {
  void Promise.all([import('./cli/main.ts'), import('./desktop/invocation.ts')]).then(([{ main }, { invokedName, isKilnName }]) => {
    const name = invokedName();
    if (name === 'kiln-dhcp-event') {
      // udhcpc's event script for --ip=dhcp (src/net/dhcp-event.ts), a link to kiln in a sandbox's helper directory.
      return import('./net/dhcp-event.ts').then(({ runDhcpEvent }) => {
        process.exitCode = runDhcpEvent(argv[0], process.env);
      });
    }
    return main(argv, isKilnName(name) ? undefined : name).then((code) => {
      process.exitCode = code;
    });
  });
}
