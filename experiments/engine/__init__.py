"""The engine: everything that turns a design into stored runs, and nothing that judges them.

A scenario (:mod:`.scenario`, with its samplers :mod:`.samplers`, the ablations
:mod:`.ablations` and the derived designs :mod:`.designs`) expands into a design
(:mod:`.design`: points, replications, seeds, outcome columns), as the validation builds
its own; the runner (:mod:`.runner`) executes any design on Dask and streams its runs
into the store (:mod:`.store`), which records the manifest that makes it resumable. One
run from the command line is configured by :mod:`.config` and written as a run folder by
:mod:`.runfolder`.
"""
