"""TEI-XML digital edition pipeline: convert, validate, transform, exchange."""

__version__ = "0.1.0"
