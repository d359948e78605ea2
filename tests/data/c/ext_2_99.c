/* future_fn only exists at GLIBC_2.99: newer than any real glibc/policy. */
#include <stddef.h>
#include "pyinit.h"
int future_fn(void);

PYINIT_FUNC
{
    future_fn();
    return NULL;
}
