"""Many surveys at once: reading files, the cache, the worker pool, the output folder, the run."""
