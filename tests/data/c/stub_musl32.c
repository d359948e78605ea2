/* Stand-in for 32-bit x86 musl 1.2's libc (soname libc.musl-x86.so.1, as on
 * Alpine i686): unversioned, with both the old 32-bit time_t entry points and
 * the time64 ones musl 1.2 added (__clock_gettime64, __stat_time64). */
int clock_gettime(int clk, void *ts) { (void)clk; (void)ts; return 0; }
int __clock_gettime64(int clk, void *ts) { (void)clk; (void)ts; return 0; }
int stat(const char *path, void *st) { (void)path; (void)st; return 0; }
int __stat_time64(const char *path, void *st) { (void)path; (void)st; return 0; }
