"""Calibration against measured change programmes (ABC), and posterior predictions.

The case library (:mod:`.cases`, files in ``experiments/cases/``) states what was
measured and how it maps onto medlead; :func:`~.run.calibrate` fits the uncertainties
and structural switches to the calibrating cases with adaptive population Monte Carlo
ABC (:mod:`.apmc`), every simulation made by the engine into its store; the posterior
(:mod:`.posterior`) then predicts the held-out cases and the headline.
"""

from medlead.experiments.calibration.posterior import load_posterior, sample_params

__all__ = ["load_posterior", "sample_params"]
