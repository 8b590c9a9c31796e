#!/usr/bin/env bun
/**
 * Writes the filters bench/seccomp.sh loads into OUTDIR and prints their sizes and per-syscall costs:
 *   allow.bpf            one instruction, RET ALLOW: the floor (the fixed cost of seccomp being on)
 *   kiln-default.bpf     kiln's filter for Firejail's default.profile (seccomp, protocol, restrict-namespaces)
 *   kiln-linear.bpf      the same rules as a linear chain of compares (Firejail's layout)
 *   firejail-*.bpf       Firejail's own programs for default.profile, from its fseccomp (when installed)
 *
 *   bun bench/seccomp-filters.ts OUTDIR
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archFromNode } from '../src/seccomp/arch.ts';
import { decodeProgram, type Insn } from '../src/seccomp/bpf.ts';
import { defaultProfileSpec } from '../src/seccomp/common-specs.ts';
import { compileFilter } from '../src/seccomp/compile.ts';
import { runFilters, syscallData } from '../src/seccomp/simulate.ts';

const out = process.argv[2];
if (out === undefined) throw new Error('usage: bun bench/seccomp-filters.ts OUTDIR');
const arch = archFromNode(process.arch) ?? 'x86_64';

const tree = compileFilter(defaultProfileSpec(arch));
const linear = compileFilter(defaultProfileSpec(arch), { layout: 'linear' });
if (tree.programs.length !== 1 || linear.programs.length !== 1) throw new Error('expected one program each');
writeFileSync(join(out, 'allow.bpf'), new Uint8Array([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]));
writeFileSync(join(out, 'kiln-default.bpf'), tree.programs[0]!);
writeFileSync(join(out, 'kiln-linear.bpf'), linear.programs[0]!);

const rows: [string, readonly (readonly Insn[])[]][] = [['kiln default (tree)', tree.insns], ['kiln default (linear)', linear.insns]];

// The five programs Firejail loads for default.profile (as `firejail --seccomp.print` lists them): its
// shipped default filters (64 and 32 bit), and protocol unix,inet,inet6 and restrict-namespaces built by fseccomp.
const LIB = '/usr/lib/x86_64-linux-gnu/firejail';
const FSECCOMP = join(LIB, 'fseccomp');
if (arch === 'x86_64' && existsSync(FSECCOMP)) {
  const ns = 'cgroup,ipc,net,mnt,pid,time,user,uts';
  const progs: Insn[][] = [];
  for (const f of ['seccomp', 'seccomp.32']) progs.push(decodeProgram(new Uint8Array(await Bun.file(join(LIB, f)).arrayBuffer())));
  const build: [string, string[]][] = [
    ['firejail-protocol', ['protocol', 'build', 'unix,inet,inet6']],
    ['firejail-namespaces', ['restrict-namespaces']],
    ['firejail-namespaces32', ['restrict-namespaces.32']],
  ];
  for (const [name, args] of build) {
    const file = join(out, `${name}.bpf`);
    const cmd = args[0] === 'protocol' ? [FSECCOMP, ...args, file] : args[0]!.startsWith('restrict') ? [FSECCOMP, args[0]!, file, ns] : [FSECCOMP, args[0]!, file];
    if (Bun.spawnSync(cmd).exitCode !== 0) throw new Error(`${cmd.join(' ')} failed`);
    progs.push(decodeProgram(new Uint8Array(await Bun.file(file).arrayBuffer())));
  }
  rows.push(['firejail default.profile', progs]);
}

const cost = (p: readonly (readonly Insn[])[], name: string, args: number[] = []) => runFilters(p, syscallData(arch, name, args)).steps;
console.log(`${'filter'.padEnd(26)}${'programs'.padStart(9)}${'insns'.padStart(7)}${'read'.padStart(6)}${'ioctl'.padStart(7)}${'socket'.padStart(8)}`);
for (const [name, p] of rows) {
  const insns = p.reduce((n, x) => n + x.length, 0);
  console.log(`${name.padEnd(26)}${String(p.length).padStart(9)}${String(insns).padStart(7)}${String(cost(p, 'read')).padStart(6)}${String(cost(p, 'ioctl', [-1, 0x541b])).padStart(7)}${String(cost(p, 'socket', [2, 1])).padStart(8)}`);
}
console.log('(read, ioctl, socket: BPF instructions the kernel runs for that call, summed over programs)');
