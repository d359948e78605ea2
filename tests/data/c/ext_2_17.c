/* clock_gettime and secure_getenv bind to GLIBC_2.17 (manylinux2014). */
#include <stddef.h>
#include "pyinit.h"
int clock_gettime(int clk, void *ts);
char *secure_getenv(const char *name);
void *memcpy(void *d, const void *s, size_t n);

PYINIT_FUNC
{
    long ts[2];
    long copy[2];
    clock_gettime(1, ts);
    memcpy(copy, ts, sizeof ts);
    return secure_getenv("HOME");
}
