"""Helpers for the tests of the HTML edition: built sites, a local server, Chromium, QA tools."""
