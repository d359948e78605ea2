/* Stand-in for glibc's libm.so.6: cos is old, exp got a new default version
 * in glibc 2.29 (the real libm has exp@GLIBC_2.2.5 and exp@@GLIBC_2.29). */
double cos(double x) { return x; }
__attribute__((symver("exp@GLIBC_2.2.5")))
double stub_exp_old(double x) { return x; }
__attribute__((symver("exp@@GLIBC_2.29")))
double stub_exp_new(double x) { return x; }
