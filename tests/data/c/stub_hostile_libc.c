/* libc.so.6 for ext_hostile.c: the placeholder symbol, at GLIBC_2.99. */
int hostile_symbol_qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq(void) { return 0; }
