/* Built with -march=x86-64-v3 and linked with -z x86-64-v3 so its
 * .note.gnu.property says GNU_PROPERTY_X86_ISA_1_NEEDED: x86-64-v3. */
#include <stddef.h>
#include "pyinit.h"
void *malloc(size_t n);

float dot8(const float *a, const float *b)
{
    float s = 0.0f;
    for (int i = 0; i < 8; i++) {
        s += a[i] * b[i];
    }
    return s;
}

PYINIT_FUNC
{
    return malloc(1);
}
