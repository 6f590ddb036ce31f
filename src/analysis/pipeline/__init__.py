"""The batch pipeline (DESIGN.md section 7): run the force notebook for every force in parallel, then the
national notebook, then the reviewer HTML, the index page and the provenance manifest.

Modules, one job each:
- hashing: digests of the inputs of a force run and of the national run
- cache: the state file of each unit (what ran with which inputs, and how it ended); why a unit is stale
- layout: where outputs live, staging folders and the atomic commit of a finished run
- kernels: warm Jupyter kernels reused across notebook runs in one worker
- run_force: one notebook run (validate, papermill, checks, provenance, HTML) in its own working directory
- executors: where runs execute (local process pool or an existing Dask cluster)
- manifest: provenance (git commit, package versions, parameters) and outputs/manifest.json
- run: the orchestration behind `python -m analysis run`; status: behind `python -m analysis status`

Importing this package is cheap: heavy libraries are imported where they are used.
"""
