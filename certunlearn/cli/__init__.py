"""The ``certunlearn`` command-line interface: thin wrappers over the library."""
