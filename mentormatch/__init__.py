"""mentormatch: check NHS mentoring applications against rules and pair people optimally."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nhs-mentormatch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
