"""A C extension whose only libc need past GLIBC_2.2.5 is clock_gettime (GLIBC_2.17 on x86_64)."""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExtWithoutRpath(build_ext):
    """Drop the RPATH that some Pythons (pyenv's, for one) bake into LDSHARED.

    It would point the extension at this machine's Python library directory,
    which no user has; pytest-manylinux's ``rpath`` check rightly fails such a
    wheel. Wheels built in a manylinux image never carry it.
    """

    def build_extensions(self) -> None:
        linker = self.compiler.linker_so
        self.compiler.linker_so = [arg for arg in linker if not arg.startswith("-Wl,-rpath")]
        super().build_extensions()


setup(
    ext_modules=[Extension("sample._clock", ["src/sample/_clock.c"])],
    package_dir={"": "src"},
    packages=["sample"],
    cmdclass={"build_ext": BuildExtWithoutRpath},
)
