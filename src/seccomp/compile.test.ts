/**
 * The case table (tests/seccomp/cases.ts) in the simulator, for every arch, in every layout kiln can
 * produce: the tree, Firejail's linear chain, and the tree split into many small programs.
 */
import { describe, expect, test } from 'bun:test';
import { CASES } from '../../tests/seccomp/cases.ts';
import { describeCall, expectedAction, simulateCall } from '../../tests/seccomp/run.ts';
import { ARCHES, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 } from './arch.ts';
import { defaultProfileSpec, commonSpecs } from './common-specs.ts';
import { compileFilter, type CompiledFilter } from './compile.ts';
import { runFilters, validateProgram } from './simulate.ts';
import { baseSpec } from './spec.ts';

function decisions(filter: CompiledFilter, calls: readonly Parameters<typeof simulateCall>[1][]) {
  return calls.map((c) => `${describeCall(c)} → ${JSON.stringify(simulateCall(filter, c))}`);
}

describe('the case table in the simulator', () => {
  for (const arch of ARCHES) {
    for (const c of CASES) {
      test(`${arch}: ${c.name}`, () => {
        const spec = c.spec(arch);
        const calls = c.calls(arch);
        expect(calls.length).toBeGreaterThan(0);
        const filter = compileFilter(spec, { precompiled: false });
        for (const p of filter.insns) validateProgram(p);
        const want = calls.map((call) => `${describeCall(call)} → ${JSON.stringify(expectedAction(call.expect))}`);
        expect(decisions(filter, calls)).toEqual(want);
        // The same rules laid out as Firejail's linear chain, and split into programs of at most 40
        // instructions, decide the same.
        expect(decisions(compileFilter(spec, { layout: 'linear' }), calls)).toEqual(want);
        const split = compileFilter(spec, { maxInstructions: 40 });
        if (filter.instructionCount > 40) expect(split.programs.length).toBeGreaterThan(1);
        for (const p of split.insns) {
          expect(p.length).toBeLessThanOrEqual(40);
          validateProgram(p);
        }
        expect(decisions(split, calls)).toEqual(want);
      });
    }
  }
});

describe('architecture checks', () => {
  test('an x86_64 filter kills callers of any other arch', () => {
    const f = compileFilter(baseSpec('x86_64'), { precompiled: false });
    expect(runFilters(f.insns, { arch: AUDIT_ARCH_ARM, nr: 39 }).action).toEqual({ kind: 'kill' });
    expect(runFilters(f.insns, { arch: 0, nr: 39 }).action).toEqual({ kind: 'kill' });
    expect(runFilters(f.insns, { arch: AUDIT_ARCH_I386, nr: 20 }).action).toEqual({ kind: 'allow' });
  });

  test('an aarch64 filter kills 32-bit ARM callers (kiln has no arm32 table)', () => {
    const f = compileFilter(baseSpec('aarch64'), { precompiled: false });
    expect(runFilters(f.insns, { arch: AUDIT_ARCH_ARM, nr: 20 }).action).toEqual({ kind: 'kill' });
    expect(runFilters(f.insns, { arch: AUDIT_ARCH_X86_64, nr: 39 }).action).toEqual({ kind: 'kill' });
  });

  test('every x32 number is refused, the whole range up to 0xffffffff', () => {
    const f = compileFilter(defaultProfileSpec('x86_64'), { precompiled: false });
    for (const nr of [0x40000000, 0x40000000 + 39, 0x40000000 + 514, 0x7fffffff, 0xfffffffe, 0xffffffff]) {
      expect(runFilters(f.insns, { arch: AUDIT_ARCH_X86_64, nr }).action).toEqual({ kind: 'errno', errno: 1 });
    }
  });
});

describe('precompiled filters', () => {
  test('each precompiled spec equals a fresh compile, byte for byte', () => {
    for (const spec of commonSpecs()) {
      const cached = compileFilter(spec);
      const fresh = compileFilter(spec, { precompiled: false });
      expect(cached.programs.map((p) => [...p])).toEqual(fresh.programs.map((p) => [...p]));
      expect(cached.insns).toEqual(fresh.insns);
      expect(cached.plan.abis.length).toBe(fresh.plan.abis.length);
    }
  });

  test('the generated cache is up to date', () => {
    const r = Bun.spawnSync([process.execPath, 'scripts/gen-seccomp-cache.ts', '--check'], { cwd: `${import.meta.dir}/../..` });
    expect(r.stderr.toString()).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
