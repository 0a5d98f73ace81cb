"""gunicorn for `make bench`: bench/run.py passes this file with -c, so the deployment's ./gunicorn.conf.py is not
read (its access log and its recycling of workers every ~2,000 requests would land in the middle of a run). The
address and the number of workers come on the command line (127.0.0.1, BENCH_WORKERS=2)."""

worker_class = "sync"
threads = 1
timeout = 180
accesslog = None
errorlog = "-"
loglevel = "warning"
max_requests = 0
