/* clock_gettime moved into libc in glibc 2.17: the only GLIBC_2.17 need here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

static PyObject *monotonic_ns(PyObject *self, PyObject *args) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return PyLong_FromLongLong((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

static PyMethodDef methods[] = {
    {"monotonic_ns", monotonic_ns, METH_NOARGS, "Monotonic clock in ns."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_clock", NULL, -1, methods};

PyMODINIT_FUNC PyInit__clock(void) { return PyModule_Create(&module); }
