/* A musllinux i686 extension that reads the clock and stats a file.
 * With -DTIME64 it declares them as musl 1.2's <time.h> and <sys/stat.h> do on
 * 32-bit arches (__REDIR under _REDIR_TIME64: the C name binds to a new
 * symbol), so it imports __clock_gettime64 and __stat_time64; without it, the
 * plain names, as against musl 1.1. */
#include "pyinit.h"
#ifdef TIME64
#define REDIR(sym) __asm__(#sym)
int clock_gettime(int, void *) REDIR(__clock_gettime64);
int stat(const char *, void *) REDIR(__stat_time64);
#else
int clock_gettime(int, void *);
int stat(const char *, void *);
#endif

PYINIT_FUNC
{
    static char buf[128];
    clock_gettime(0, buf);
    stat("/", buf);
    return buf;
}
