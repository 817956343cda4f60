"""leadqual — self-hosted lead qualification with a signed, data-derived contract."""

__all__ = ["__version__"]

__version__ = "0.1.0"
