/* A tiny executable, for PT_INTERP (see build.sh). */
#include <stdio.h>

int main(void) { return puts("crossmod") < 0; }
