/* A well-behaved abi3 extension: Limited API 3.6, only functions that were in
 * the Stable ABI by 3.6. Expected: no offender, no reserved export. */
#define Py_LIMITED_API 0x03060000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
add(PyObject *self, PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

static PyObject *
greet(PyObject *self, PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "name must be str");
        return NULL;
    }
    return PyUnicode_FromFormat("hello, %U", name);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, NULL},
    {"greet", greet, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "clean", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit_clean(void)
{
    return PyModule_Create(&module);
}
