/* References a GLIBC_PRIVATE symbol, which no portable binary may use. */
#include <stddef.h>
#include "pyinit.h"
int __libc_private_fn(void);

PYINIT_FUNC
{
    __libc_private_fn();
    return NULL;
}
