"""The web processes' garbage collector. Everything a process loads at start-up (Django, the apps,
the URL conf, the compiled schemas) lives as long as the process, yet Python's oldest-generation
collection walks all of it again every few hundred requests: about 80 ms at once, which on the
documents list searched by client name was the slowest 5 % of requests (bench/reports.py at a
million documents: p95 147 ms with the default collector, 87 ms with start-up frozen).
``gc.freeze()`` moves what exists now to a generation the collector never scans; later garbage is
collected as usual. Called by gunicorn once a worker has loaded the application
(gunicorn.conf.py post_worker_init), and by the benches that time requests in process."""

import gc


def freeze_startup():
    gc.collect()  # what start-up left as garbage goes now, not frozen for ever
    gc.freeze()
    return gc.get_freeze_count()
