/* An extension built against a CPython configured --with-fpectl: it calls
 * PyFPE_dummy, which PEP 513 says manylinux interpreters do not provide. */
extern double PyFPE_dummy(void *);

void *PyInit_ext_pyfpe(void) {
    PyFPE_dummy(0);
    return 0;
}
