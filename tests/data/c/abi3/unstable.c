/* Claims Limited API 3.6 but declares and calls, by hand, two functions the
 * 3.6 headers would not give it:
 *   PyFunction_GetCode      - never in the Stable ABI;
 *   PyUnicode_AsUTF8AndSize - in the Stable ABI only since 3.10.
 * Expected offenders: exactly these two. */
#define Py_LIMITED_API 0x03060000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyAPI_FUNC(PyObject *) PyFunction_GetCode(PyObject *);
PyAPI_FUNC(const char *) PyUnicode_AsUTF8AndSize(PyObject *, Py_ssize_t *);

static PyObject *
code_of(PyObject *self, PyObject *func)
{
    PyObject *code = PyFunction_GetCode(func);
    if (code == NULL) {
        return NULL;
    }
    Py_INCREF(code);
    return code;
}

static PyObject *
utf8_length(PyObject *self, PyObject *text)
{
    Py_ssize_t size;
    if (PyUnicode_AsUTF8AndSize(text, &size) == NULL) {
        return NULL;
    }
    return PyLong_FromSsize_t(size);
}

static PyMethodDef methods[] = {
    {"code_of", code_of, METH_O, NULL},
    {"utf8_length", utf8_length, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "unstable", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit_unstable(void)
{
    return PyModule_Create(&module);
}
