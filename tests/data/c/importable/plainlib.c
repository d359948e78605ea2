/* A plain C library that a package loads by path with ctypes or cffi, as pycryptodome
 * 3.21 loads the 42 .abi3.so files under Crypto/ (Crypto/Util/_raw_api.py): no Python.h,
 * no PyInit_, no Python C API import, whatever extension suffix its file name carries. */
int plain_add(int a, int b)
{
    return a + b;
}
