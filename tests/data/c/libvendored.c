/* A vendored dependency (soname libvendored.so.1) that itself needs
 * memcpy@GLIBC_2.14, so auditing must look inside shipped libraries too. */
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);

int vendored_fn(int x)
{
    int y = 0;
    memcpy(&y, &x, sizeof x);
    return y;
}
