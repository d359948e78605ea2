/* psutil's case: the extension *defines* (and exports) a function with
 * CPython's reserved Py prefix, PyErr_SetFromOSErrnoWithSyscall. It imports
 * only Stable ABI 3.6 functions. Expected: no offender; one reserved export,
 * a hygiene warning only. */
#define Py_LIMITED_API 0x03060000
#define PY_SSIZE_T_CLEAN
#include <errno.h>
#include <Python.h>

PyObject *
PyErr_SetFromOSErrnoWithSyscall(const char *syscall)
{
    PyErr_Format(PyExc_OSError, "%s failed (errno %d)", syscall, errno);
    return NULL;
}

static PyObject *
fail(PyObject *self, PyObject *args)
{
    errno = ENOENT;
    return PyErr_SetFromOSErrnoWithSyscall("open");
}

static PyMethodDef methods[] = {
    {"fail", fail, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "reserved", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit_reserved(void)
{
    return PyModule_Create(&module);
}
