/* statx (GLIBC_2.28) referenced only weakly, guarded at run time: the
 * version need is still recorded, but ld flags it WEAK in .gnu.version_r. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);
extern int statx(int dirfd, const char *path, int flags, unsigned mask, void *out)
    __attribute__((weak));

PYINIT_FUNC
{
    char buf[256];
    if (statx != NULL) {
        statx(-100, ".", 0, 0, buf);
    }
    return malloc(1);
}
