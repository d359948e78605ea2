/* A compliant GLIBC_2.2.5-only extension; the interesting part of the
 * fixtures built from it (execstack, rpath) comes from linker flags. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);

PYINIT_FUNC
{
    return malloc(1);
}
