/**
 * What the command line asks of the tracing layer. `relay`: --trace, formatted lines to stderr or
 * `file`. `raw`: strace's own output into `path`, which --build reads (`--kiln-build-trace=PATH`, the
 * builder's run of kiln; not for users).
 */
export type TraceRequest = { readonly kind: 'relay'; readonly file?: string } | { readonly kind: 'raw'; readonly path: string };

export const BUILD_TRACE_OPTION = 'kiln-build-trace';
