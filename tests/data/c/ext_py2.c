/* A Python 2 era extension: `init<name>` and narrow-unicode (UCS2) imports,
 * the PEP 513 hazard auditwheel reports as "ucs2". Left undefined on purpose:
 * the interpreter would provide them. The .type directives make them FUNC UND,
 * as in a build linked against libpython (cffi 1.5's Linux builds): auditwheel's
 * elf_find_ucs2_symbols counts only STT_FUNC, where a plain -nostdlib link gives NOTYPE. */
extern void *PyUnicodeUCS2_FromString(const char *);
extern void *Py_InitModule4(const char *, void *, const char *, void *, int);
__asm__(".type PyUnicodeUCS2_FromString, @function");
__asm__(".type Py_InitModule4, @function");

void initext_py2(void) {
    Py_InitModule4("ext_py2", 0, 0, 0, 1013);
    PyUnicodeUCS2_FromString("x");
}
