/* NEEDED libz.so.1 (allowed by the policies), versioned ZLIB_1.2.0/1.2.9. */
#include <stddef.h>
#include "pyinit.h"
int inflate(void *strm, int flush);
unsigned long inflateCodesUsed(void *strm);
void *malloc(size_t n);

PYINIT_FUNC
{
    void *strm = malloc(64);
    inflate(strm, 0);
    inflateCodesUsed(strm);
    return strm;
}
