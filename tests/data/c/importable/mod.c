/* The smallest importable module. MODULE (-DMODULE=name) names its PyInit_<MODULE>,
 * so the file can be given a name whose module has no init function; -DHIDE_INIT
 * gives the init function hidden visibility, so it is not in .dynsym (PEP 489:
 * the importer looks it up with dlsym); -DNO_INIT names it make_module instead, an
 * extension that binds the C API (PyModule_Create2) but forgot its hook. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MOD_CAT_(a, b) a##b
#define MOD_CAT(a, b) MOD_CAT_(a, b)
#define MOD_STR_(a) #a
#define MOD_STR(a) MOD_STR_(a)

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, MOD_STR(MODULE), NULL, -1, NULL,
};

#if defined(NO_INIT)
PyObject *make_module(void)
#elif defined(HIDE_INIT)
__attribute__((visibility("hidden"))) PyObject *
MOD_CAT(PyInit_, MODULE)(void)
#else
PyMODINIT_FUNC
MOD_CAT(PyInit_, MODULE)(void)
#endif
{
    return PyModule_Create(&module);
}
