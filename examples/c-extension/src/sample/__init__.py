"""Sample package whose extension needs clock_gettime@GLIBC_2.17."""
