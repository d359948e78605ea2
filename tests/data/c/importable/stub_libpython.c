/* Stands in for libpython3.X.so.1.0 (built with that soname), so an extension can
 * carry the DT_NEEDED that PEP 513 forbids without the host having a shared libpython. */
int stub_libpython_marker;
