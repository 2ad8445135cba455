"""``python -m officegate`` runs the CLI."""

from officegate.cli import main

main()
