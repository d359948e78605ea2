/* Needs only GLIBC_2.2.5 (malloc/free/strlen): fits every manylinux policy. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
void free(void *p);
size_t strlen(const char *s);

PYINIT_FUNC
{
    char *p = malloc(strlen("abc") + 1);
    free(p);
    return NULL;
}
