/** The assembler's layout: labels, and trampolines for conditional jumps beyond 255 instructions. */
import { describe, expect, test } from 'bun:test';
import { Assembler, Label } from './asm.ts';
import { OFF_NR, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS } from './bpf.ts';
import { runProgram, validateProgram } from './simulate.ts';

function farProgram(filler: number): ReturnType<Assembler['assemble']> {
  const a = new Assembler();
  const deny = new Label('deny');
  const kill = new Label('kill');
  const mid = new Label('mid');
  a.ld(OFF_NR);
  a.jcc('jeq', 1, deny, null); // far true branch, to a ret
  a.jcc('jeq', 2, mid, kill); // both branches far; `mid` is code, not a ret
  for (let i = 0; i < filler; i++) a.ld(OFF_NR);
  a.place(mid);
  a.jcc('jge', 100, deny, null);
  a.ret(SECCOMP_RET_ALLOW);
  for (let i = 0; i < filler; i++) a.ld(OFF_NR);
  a.place(deny);
  a.ret((SECCOMP_RET_ERRNO | 1) >>> 0);
  a.place(kill);
  a.ret(SECCOMP_RET_KILL_PROCESS);
  return a.assemble();
}

describe('the BPF assembler', () => {
  test('near jumps need no trampoline', () => {
    const p = farProgram(10);
    expect(p.length).toBe(1 + 2 + 10 + 2 + 10 + 2);
  });

  test('far jumps go through trampolines and still land where they should', () => {
    const p = farProgram(300);
    validateProgram(p);
    expect(p.length).toBeGreaterThan(1 + 2 + 300 + 2 + 300 + 2);
    for (const insn of p) expect(Math.max(insn.jt, insn.jf)).toBeLessThanOrEqual(255);
    const verdict = (nr: number) => runProgram(p, { arch: 0, nr }).ret;
    expect(verdict(1)).toBe((SECCOMP_RET_ERRNO | 1) >>> 0);
    expect(verdict(2)).toBe(SECCOMP_RET_ALLOW);
    expect(verdict(3)).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  test('a label never placed, or a backward jump, is a bug in the generator', () => {
    const a = new Assembler();
    a.ja(new Label('nowhere'));
    a.ret(0);
    expect(() => a.assemble()).toThrow(/never placed/);
    const b = new Assembler();
    const back = new Label('back');
    b.place(back);
    b.ret(0);
    b.ja(back);
    expect(() => b.assemble()).toThrow(/backward/);
  });
});
