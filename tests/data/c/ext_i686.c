/* A 32-bit x86 (i686) extension: ELFCLASS32, EM_386, needs GLIBC_2.0. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
void *memcpy(void *d, const void *s, size_t n);

PYINIT_FUNC
{
    char *p = malloc(4);
    memcpy(p, "abc", 4);
    return p;
}
