/* A tiny PIE program; the fixtures built from it differ only in the
 * PT_INTERP (--dynamic-linker) and the libc they link.  Never run. */
#include <stddef.h>
size_t strlen(const char *s);

__attribute__((noreturn)) void _start(void)
{
    volatile size_t n = strlen("x");
    (void)n;
    for (;;) {
    }
}
