/* Links libvendored.so.1, found via RUNPATH $ORIGIN/../pkg.libs, the layout
 * auditwheel repair produces (pkg/_origin...so + pkg.libs/libvendored.so.1). */
#include <stddef.h>
#include "pyinit.h"
int vendored_fn(int x);
void *malloc(size_t n);

PYINIT_FUNC
{
    return malloc((size_t)vendored_fn(1));
}
