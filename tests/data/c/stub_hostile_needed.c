/* The library ext_hostile.c needs, under a placeholder soname that the test overwrites. */
int hostile_needed_fn(void) { return 0; }
