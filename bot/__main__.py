"""`python -m bot` runs the `patronguard` command."""

from bot.cli import main

main()
