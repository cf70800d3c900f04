"""Analysis: reads stored tables and turns them into statistics, figures and reports.

Nothing here runs a model: it reads a sweep folder through the store's read API
(:func:`~medlead.experiments.engine.store.runs_frame`, ``connect``, ``read_manifest``)
or the parameter declaration, and writes tables, figures and Markdown.
"""
