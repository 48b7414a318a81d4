"""Conversion of plain-text sources into TEI."""
