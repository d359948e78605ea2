/* Stand-in for glibc's libc.so.6: bodies are dummies, only the exported
 * names and their symbol versions matter.  Linking fixtures against this
 * (never the host libc) records exactly the GLIBC_x.y we want. */
#include <stddef.h>

void *malloc(size_t n) { (void)n; return NULL; }
void free(void *p) { (void)p; }
size_t strlen(const char *s) { (void)s; return 0; }
char *getenv(const char *name) { (void)name; return NULL; }
/* Blacklisted by auditwheel for libc.so.6; deliberately at an old version so
 * the blacklist, not the version ceiling, is what rejects its users. */
int pthread_getattr_default_np(void *attr) { (void)attr; return 0; }

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dn)
{ (void)s; (void)n; (void)dn; return d; }

/* memcpy: old memmove-like symbol plus the GLIBC_2.14 default, as in glibc. */
__attribute__((symver("memcpy@GLIBC_2.2.5")))
void *stub_memcpy_old(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }
__attribute__((symver("memcpy@@GLIBC_2.14")))
void *stub_memcpy_new(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }

int clock_gettime(int clk, void *ts) { (void)clk; (void)ts; return 0; }
char *secure_getenv(const char *name) { (void)name; return NULL; }
long getrandom(void *buf, size_t n, unsigned flags) { (void)buf; (void)flags; return (long)n; }
int statx(int dirfd, const char *path, int flags, unsigned mask, void *out)
{ (void)dirfd; (void)path; (void)flags; (void)mask; (void)out; return 0; }

/* __libc_start_main moved into a new version in glibc 2.34. */
__attribute__((symver("__libc_start_main@GLIBC_2.2.5")))
int stub_lsm_old(void *m, int c, char **v) { (void)m; (void)c; (void)v; return 0; }
__attribute__((symver("__libc_start_main@@GLIBC_2.34")))
int stub_lsm_new(void *m, int c, char **v) { (void)m; (void)c; (void)v; return 0; }

int future_fn(void) { return 0; }
int __libc_private_fn(void) { return 0; }
