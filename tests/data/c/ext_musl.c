/* A musllinux-style extension: NEEDED libc.musl-x86_64.so.1, no versions. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
size_t strlen(const char *s);
void *memcpy(void *d, const void *s, size_t n);

PYINIT_FUNC
{
    size_t n = strlen("abc") + 1;
    char *p = malloc(n);
    memcpy(p, "abc", n);
    return p;
}
