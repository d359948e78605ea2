/* Linked with placeholder names that tests/builders.py::hostile_strings_ext overwrites in
 * the output: the undefined symbol (at GLIBC_2.99, newer than any policy), the DT_NEEDED
 * soname and the DT_RPATH then carry whatever bytes a test gives. */
#include <stddef.h>
#include "pyinit.h"
int hostile_symbol_qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq(void);
int hostile_needed_fn(void);

PYINIT_FUNC
{
    hostile_symbol_qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq();
    hostile_needed_fn();
    return NULL;
}
