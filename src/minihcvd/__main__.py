"""``python -m minihcvd`` runs the CLI."""

from minihcvd.cli import main

main()
