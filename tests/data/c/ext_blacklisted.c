/* Calls pthread_getattr_default_np (non-weakly), which auditwheel's
 * blacklist forbids for libc.so.6 under manylinux_2_5..2_17.  The stub
 * exports it at GLIBC_2.2.5 so only the blacklist can reject this file. */
#include <stddef.h>
#include "pyinit.h"
int pthread_getattr_default_np(void *attr);

PYINIT_FUNC
{
    char attr[64];
    pthread_getattr_default_np(attr);
    return NULL;
}
