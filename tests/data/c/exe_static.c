/* A static, libc-free program: no PT_INTERP, no PT_DYNAMIC.  Never run. */
__attribute__((noreturn)) void _start(void)
{
    for (;;) {
    }
}
