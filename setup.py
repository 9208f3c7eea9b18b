from setuptools import setup

setup(cffi_modules=["fastgrad/_build.py:ffibuilder"])
