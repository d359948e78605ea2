/* A tiny CPython-style extension module: an init function and a few libc and
 * libm calls whose symbol versions differ per architecture (see build.sh). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void *PyModule_Create2(void *, int);
static char buffer[64];

void *PyInit_crossmod(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    memcpy(buffer, getenv("HOME") ? getenv("HOME") : "", 8);
    if (strlen(buffer) > (size_t)ts.tv_nsec * cos((double)ts.tv_sec)) return malloc(1);
    return PyModule_Create2(buffer, 3);
}
