/**
 * The kernel's size limits: 4,096 instructions per program (BPF_MAXINSNS) and 32,768 for all of a task's
 * filters together (MAX_INSNS_PER_PATH, plus 4 per filter). kiln splits a large filter into programs that
 * each fit, and refuses one that cannot fit at all.
 */
import { describe, expect, test } from 'bun:test';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from './arch.ts';
import { MAX_INSNS } from './bpf.ts';
import { compileFilter } from './compile.ts';
import { SeccompError } from './error.ts';
import { runFilters, validateProgram } from './simulate.ts';
import { hugeSpec } from '../../tests/seccomp/cases.ts';

describe('the 4,096-instruction limit', () => {
  test('a filter too long for one program is split into programs that each fit', () => {
    const spec = hugeSpec(3000);
    const whole = compileFilter(spec, { maxInstructions: Number.MAX_SAFE_INTEGER });
    expect(whole.programs.length).toBe(1);
    expect(whole.instructionCount).toBeGreaterThan(MAX_INSNS);
    expect(() => validateProgram(whole.insns[0]!)).toThrow(/4096/);

    const split = compileFilter(spec);
    expect(split.programs.length).toBeGreaterThan(1);
    for (const p of split.insns) {
      expect(p.length).toBeLessThanOrEqual(MAX_INSNS);
      validateProgram(p);
    }
    // Same decisions as the whole, on both ABIs, across chunk boundaries.
    const probe = [0, 39, 1999, 2000, 2001, 2002, 3999, 4000, 5000, 5002, 7998, 7999, 8000, 0x40000000 + 39];
    for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386]) {
      for (const nr of probe) {
        expect({ arch, nr, action: runFilters(split.insns, { arch, nr }).action }).toEqual({ arch, nr, action: runFilters(whole.insns, { arch, nr }).action });
      }
    }
    expect(runFilters(split.insns, { arch: AUDIT_ARCH_X86_64, nr: 2000 }).action).toEqual({ kind: 'errno', errno: 1 });
    expect(runFilters(split.insns, { arch: AUDIT_ARCH_X86_64, nr: 2002 }).action).toEqual({ kind: 'errno', errno: 13 });
    expect(runFilters(split.insns, { arch: AUDIT_ARCH_X86_64, nr: 2001 }).action).toEqual({ kind: 'errno', errno: 38 });
    expect(runFilters(split.insns, { arch: AUDIT_ARCH_X86_64, nr: 39 }).action).toEqual({ kind: 'allow' });
    expect(runFilters(split.insns, { arch: 0x1234, nr: 39 }).action).toEqual({ kind: 'kill' });
  });

  test('a filter beyond what a task may load at all is refused with a clear error', () => {
    let error: unknown;
    try {
      compileFilter(hugeSpec(20000));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeccompError);
    expect((error as SeccompError).problem.kind).toBe('too-large');
    expect((error as SeccompError).message).toMatch(/needs \d+ BPF instructions, more than the kernel accepts \(32768\)/);
  });
});
