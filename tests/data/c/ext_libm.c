/* exp binds to exp@GLIBC_2.29 in libm.so.6 (a libm-only version bump). */
#include <stddef.h>
#include "pyinit.h"
double exp(double x);
double cos(double x);
void *malloc(size_t n);

PYINIT_FUNC
{
    volatile double x = 1.0;
    x = exp(x) + cos(x);
    return malloc((size_t)x);
}
