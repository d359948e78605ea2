/* Defines PyInit_<MODULE>; MODULE is passed with -DMODULE=name so one source
 * can back several fixtures whose file name stems differ. */
#ifndef PYINIT_H
#define PYINIT_H
#define PYINIT_CAT_(a, b) a##b
#define PYINIT_CAT(a, b) PYINIT_CAT_(a, b)
#define PYINIT_FUNC void *PYINIT_CAT(PyInit_, MODULE)(void)
#endif
