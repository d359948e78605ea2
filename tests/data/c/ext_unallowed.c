/* NEEDED libssl.so.3: a library that no manylinux policy allows. */
#include <stddef.h>
#include "pyinit.h"
void *SSL_new(void *ctx);
void SSL_free(void *ssl);
void *malloc(size_t n);

PYINIT_FUNC
{
    SSL_free(SSL_new(NULL));
    return malloc(1);
}
