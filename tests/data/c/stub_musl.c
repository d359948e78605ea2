/* Stand-in for musl's libc (soname libc.musl-x86_64.so.1 as on Alpine).
 * musl has no symbol versioning, so no version script here. */
#include <stddef.h>
void *malloc(size_t n) { (void)n; return NULL; }
void free(void *p) { (void)p; }
size_t strlen(const char *s) { (void)s; return 0; }
void *memcpy(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }
