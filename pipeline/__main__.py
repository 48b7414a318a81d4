"""``python -m pipeline`` runs the ``edition`` command."""

from pipeline.cli import main

main(prog_name="edition")
