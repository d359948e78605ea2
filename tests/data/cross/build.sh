#!/bin/sh
# Regenerate the cross-architecture fixtures read by tests/test_elf.py.
# Needs Debian's cross compilers and musl-tools (the test suite does not):
#   apt-get install gcc-s390x-linux-gnu gcc-powerpc64le-linux-gnu \
#     gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu gcc-i686-linux-gnu \
#     gcc-riscv64-linux-gnu musl-tools
# Per arch: crossmod-ARCH.so, a shared object with an init function, libc and
# libm calls, a soname and a RUNPATH, built -O2 -s with both hash tables
# (DT_HASH and DT_GNU_HASH); main-ARCH, a small executable, for PT_INTERP.
# crossmod-s390x-sysv.so has DT_HASH only (s390x's 8-byte entries) and an
# old-style DT_RPATH. Built with Debian 12's cross gcc 12.2 and musl 1.2.3.
set -eu
cd "$(dirname "$0")"
so() {  # so OUTPUT COMPILER [EXTRA FLAGS...]
    out=$1 cc=$2
    shift 2
    "$cc" -shared -fPIC -O2 -s -Wl,--hash-style=both -Wl,-soname,"$out" \
        -Wl,-rpath,'$ORIGIN/../crossmod.libs' -o "$out" crossmod.c -lm "$@"
}
exe() {  # exe OUTPUT COMPILER
    "$2" -O2 -s -o "$1" main.c
}
for pair in x86_64:x86_64-linux-gnu-gcc i686:i686-linux-gnu-gcc \
    aarch64:aarch64-linux-gnu-gcc armhf:arm-linux-gnueabihf-gcc \
    ppc64le:powerpc64le-linux-gnu-gcc riscv64:riscv64-linux-gnu-gcc \
    s390x:s390x-linux-gnu-gcc musl-x86_64:musl-gcc; do
    arch=${pair%%:*} cc=${pair#*:}
    so "crossmod-$arch.so" "$cc"
    exe "main-$arch" "$cc"
done
so crossmod-s390x-sysv.so s390x-linux-gnu-gcc -Wl,--hash-style=sysv -Wl,--disable-new-dtags
