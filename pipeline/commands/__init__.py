"""Thin command modules: each parses options, calls the pipeline, reports."""
