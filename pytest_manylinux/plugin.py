"""pytest layer (entry point ``manylinux``); filled in by the plugin issue."""

from __future__ import annotations
