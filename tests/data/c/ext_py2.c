/* A Python 2 era extension: `init<name>` and narrow-unicode (UCS2) imports,
 * the PEP 513 hazard auditwheel reports as "ucs2". Left undefined on purpose:
 * the interpreter would provide them. */
extern void *PyUnicodeUCS2_FromString(const char *);
extern void *Py_InitModule4(const char *, void *, const char *, void *, int);

void initext_py2(void) {
    Py_InitModule4("ext_py2", 0, 0, 0, 1013);
    PyUnicodeUCS2_FromString("x");
}
