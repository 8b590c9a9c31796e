/**
 * kiln's entry point. The same binary is also the in-sandbox init stage (`--kiln-init=FD`), which loads
 * only what it needs. performance.now() counts from process start, which the startup message reports.
 */
const argv = process.argv.slice(2);
if (argv[0]?.startsWith('--kiln-init=') && argv[1] === '--') {
  void import('./launch/init.ts').then(({ runInit }) => runInit(Number(argv[0]?.slice('--kiln-init='.length)), argv.slice(2)));
} else {
  void import('./cli/main.ts').then(({ main }) =>
    main(argv).then((code) => {
      process.exitCode = code;
    }),
  );
}
