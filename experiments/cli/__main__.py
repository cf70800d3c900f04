"""``python -m medlead.experiments.cli``: the ``medlead`` command without the console script."""

from medlead.experiments.cli import main

main()
