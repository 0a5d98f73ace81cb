#!/usr/bin/env python
import os
import sys
from pathlib import Path


def development_default() -> None:
    """A checkout with no configuration at all is a developer's machine: there manage.py runs the development
    profile. Set DJANGO_DEBUG or DJANGO_SECRET_KEY (or write a .env file) and the settings decide as configured;
    the WSGI entry point (gunicorn) never takes this default, so a server without configuration refuses to start."""
    configured = any(name in os.environ for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY"))
    if not configured and not (Path(__file__).resolve().parent / ".env").exists():
        os.environ["DJANGO_DEBUG"] = "true"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youthwork.settings")
    development_default()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
