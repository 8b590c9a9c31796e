"""Makes raw syscalls for the seccomp kernel tests and prints what each returned.

    python3 syscall.py '[{"nr": 39, "args": [], "i386": false}, ...]'

Prints a JSON list of [return value, errno] pairs (errno 0 on success). i386 calls go through `int 0x80`
from this 64-bit process, which the kernel (and seccomp) treats as the i386 ABI. Exits 0 unless a call
kills the process.
"""
import ctypes
import json
import mmap
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
_i386 = None


def i386_syscall():
    """A function (nr, a1..a5) -> eax made of x86_64 code that issues `int 0x80`."""
    global _i386
    if _i386 is None:
        code = bytes.fromhex(
            "53"        # push rbx
            "89f8"      # mov eax, edi        nr
            "89f3"      # mov ebx, esi        a1
            "4989d2"    # mov r10, rdx        a2
            "89ca"      # mov edx, ecx        a3
            "4489d1"    # mov ecx, r10d       a2
            "4489c6"    # mov esi, r8d        a4
            "4489cf"    # mov edi, r9d        a5
            "cd80"      # int 0x80
            "4863c0"    # movsxd rax, eax
            "5b"        # pop rbx
            "c3"        # ret
        )
        page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
        fn = ctypes.CFUNCTYPE(ctypes.c_long, *([ctypes.c_long] * 6))(addr)
        _i386 = (page, fn)
    return _i386[1]


def call(c):
    args = [ctypes.c_long(a) for a in (c.get("args") or [])][:6]
    if c.get("i386"):
        args = (args + [ctypes.c_long(0)] * 5)[:5]
        r = i386_syscall()(c["nr"], *args)
        return [-1, -r] if -4096 < r < 0 else [r, 0]
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(c["nr"]), *args)
    return [r, ctypes.get_errno() if r == -1 else 0]


def to_c_long(v):
    v = int(v)
    return v - (1 << 64) if v >= (1 << 63) else v


calls = json.loads(sys.argv[1])
for c in calls:
    c["args"] = [to_c_long(a) for a in c.get("args") or []]
print(json.dumps([call(c) for c in calls]))
