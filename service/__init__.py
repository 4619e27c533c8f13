"""pagos: the payments API of a consumer-loan servicer."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pagos")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
