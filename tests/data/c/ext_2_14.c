/* memcpy binds to memcpy@GLIBC_2.14, the classic reason a build is not
 * manylinux1/2010 compatible.  Also the source of ext_stripped. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
void free(void *p);
size_t strlen(const char *s);
void *memcpy(void *d, const void *s, size_t n);

PYINIT_FUNC
{
    const char *src = "abc";
    size_t n = strlen(src) + 1;
    char *p = malloc(n);
    memcpy(p, src, n);
    free(p);
    return NULL;
}
