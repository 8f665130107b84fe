"""``python -m wallet_api`` is the ``wallet`` command."""

from wallet_api.cli import main

main()
