/* One source, several Py_LIMITED_API versions (-DPy_LIMITED_API=0x030X0000): each
 * version adds a call that joined the Stable ABI in it, so the build needs exactly
 * that version: 3.6 -> nothing newer than 3.2, 3.10 -> PyUnicode_AsUTF8AndSize,
 * 3.11 -> PyType_GetName as well. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
describe(PyObject *self, PyObject *arg)
{
#if Py_LIMITED_API + 0 >= 0x030B0000
    PyObject *name = PyType_GetName(Py_TYPE(arg));
    if (name == NULL) {
        return NULL;
    }
    Py_DECREF(name);
#endif
#if Py_LIMITED_API + 0 >= 0x030A0000
    Py_ssize_t size;
    if (PyUnicode_Check(arg) && PyUnicode_AsUTF8AndSize(arg, &size) == NULL) {
        return NULL;
    }
#endif
    return PyLong_FromLong(1);
}

static PyMethodDef methods[] = {
    {"describe", describe, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "limited", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit_limited(void)
{
    return PyModule_Create(&module);
}
