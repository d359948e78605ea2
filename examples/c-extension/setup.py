"""A C extension whose only libc need past GLIBC_2.2.5 is clock_gettime (GLIBC_2.17 on x86_64)."""

from setuptools import Extension, setup

setup(
    ext_modules=[Extension("sample._clock", ["src/sample/_clock.c"])],
    package_dir={"": "src"},
    packages=["sample"],
)
