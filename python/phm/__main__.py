"""`python -m phm` runs the command-line tool."""

from phm.cli import entry

entry()
