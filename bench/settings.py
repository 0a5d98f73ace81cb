"""Settings for `make bench`: the portal's own settings, production profile (DJANGO_DEBUG=false, so the cached
template loader and persistent database connections are in use), plus only what the benchmark needs:

- a secret key and host names (the production profile refuses to start without them);
- the API's throttle rate far above what a load window sends (it is still counted on every request);
- plain http on 127.0.0.1 (no redirect to https, cookies not marked Secure): the load tool speaks http;
- static files collected into var/bench-static (the manifest storage production uses), by bench/run.py;
- bench/urls.py as the root URLconf: the portal's URLs plus the bare page (bench/urls.py), and bench/templates.

Nothing else is changed: same middleware, same sessions, same context processors as a deployment.
"""

import copy
import os

# Before the portal's settings read the environment.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret-3f9a1c7e5b2d4f6a8c0e2a4c6e8a0c2e4f6a8c0e")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
os.environ["DJANGO_SECURE_COOKIES"] = "false"
os.environ.setdefault("DJANGO_STATIC_ROOT", "var/bench-static")
os.environ.setdefault("DJANGO_STATIC_COLLECTED", "true")
# The API's throttle (600 requests an hour per account by default) would answer 429 within a second of load: still
# counted on every request (the same cache reads and writes), at a rate no load window reaches.
os.environ.setdefault("API_THROTTLE_RATE", "1000000/hour")

from youthwork.settings import *  # noqa: E402,F403
from youthwork.settings import BASE_DIR, DEBUG, TEMPLATES  # noqa: E402

if DEBUG:  # pragma: no cover - a guard: the figures would mean nothing in DEBUG
    raise RuntimeError("The benchmark runs with DJANGO_DEBUG=false.")

ROOT_URLCONF = "bench.urls"
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
SECURE_HSTS_SECONDS = 0

# The data generator's command (`manage.py bench_generate`) lives in bench/, out of the production app.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
