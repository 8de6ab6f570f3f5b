"""The support app's models, one module per part: the catalogue (schemes and their dated
parameters)."""

from .schemes import Scheme, SchemeParameter

__all__ = ["Scheme", "SchemeParameter"]
