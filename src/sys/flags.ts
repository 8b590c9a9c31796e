/**
 * The open(2), fcntl(2) and errno numbers kiln passes to libc itself (Linux, every architecture kiln
 * builds for: x86_64 and arm64 share these values).
 */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const F_SETFD = 2;

export const ENOENT = 2;
export const EINTR = 4;
export const EEXIST = 17;
