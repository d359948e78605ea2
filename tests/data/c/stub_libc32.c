/* Stand-in for 32-bit (i686) glibc: everything old lives at GLIBC_2.0 there,
 * memcpy included. */
#include <stddef.h>
void *malloc(size_t n) { (void)n; return NULL; }
void free(void *p) { (void)p; }
size_t strlen(const char *s) { (void)s; return 0; }
void *memcpy(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }
