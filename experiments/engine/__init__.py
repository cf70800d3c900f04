"""The engine: everything that turns a design into stored runs, and nothing that judges them.

A scenario (:mod:`.scenario`, with its samplers :mod:`.samplers`, the ablations
:mod:`.ablations` and the derived designs :mod:`.designs`) expands into runs; the runner
(:mod:`.runner`) executes them on Dask and streams them into the store (:mod:`.store`),
which records the manifest that makes a sweep resumable. One run from the command line
is configured by :mod:`.config` and written as a run folder by :mod:`.runfolder`.
"""
