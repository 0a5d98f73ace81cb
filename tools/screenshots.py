"""`make screenshots`: a picture of every main page on the demo data, into docs/screenshots/.

    .venv/bin/python tools/screenshots.py                       # every page of tests/pages.py (≈ 1 minute)
    .venv/bin/python tools/screenshots.py --only dashboard plan # just these (slugs of tests/pages.py)
    .venv/bin/python tools/screenshots.py --out /tmp/shots --phone all   # every page at phone size as well

The run: a fresh SQLite database in a temporary folder (migrated, `seed_plans`, `seed_demo`), the development
server on a free loopback port, Debian's Chromium signed in as each page's demo account (tests/pages.py), and for
each page `<slug>.png` at 1366 pixels wide, the whole page; for the pages in --phone also `<slug>-phone.png`, the
first screen of an ordinary phone (390 × 844). With Pillow (requirements-dev.txt) the pictures are reduced to 256
colours, a third of the size, as they are committed. Nothing outside the temporary folder and --out is touched.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium  # noqa: E402  (after the path to the project is set)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PHONE_PAGES = ["home-secretary", "dashboard", "plan"]
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the development server stopped (exit code {server.returncode})")
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the development server did not answer on port {port} within {seconds:.0f} s")


def _chromium() -> str:
    path = chromium.chromium_path()
    if path is None:
        raise SystemExit("Debian's Chromium is needed: apt-get install chromium chromium-l10n fonts-wqy-microhei")
    return path


def _demo_database(folder: Path) -> None:
    """Point Django at a new SQLite file in `folder` and fill it with the seed plans and the demo data."""
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_DEBUG": "true",
        "OTP_ADMIN_REQUIRED": "false",
        "DJANGO_SETTINGS_MODULE": "youthwork.settings",
    })
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_plans", verbosity=0)
    call_command("seed_demo", verbosity=0)


def _sign_in(page, base_url: str, username: str) -> None:
    from tracker.demo import DEMO_PASSWORD

    try:
        chromium.sign_in(page, base_url, username, DEMO_PASSWORD)
    except Exception as error:  # Playwright's timeout: the menu never showed
        raise SystemExit(f"could not sign in as {username}") from error


def _shoot(page, url: str, path: Path, *, full_page: bool = True) -> None:
    response = page.goto(url)
    if response is None or response.status >= 400:
        raise SystemExit(f"{url} answered {response.status if response else 'nothing'}")
    page.evaluate("document.fonts.ready")
    _save(page.screenshot(full_page=full_page, animations="disabled", caret="hide"), path)


def _save(png: bytes, path: Path) -> None:
    """Write the picture, in 256 colours where Pillow is installed (text and flat colours lose nothing visible)."""
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(png)
        return
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        path, "PNG", optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the pictures")
    parser.add_argument("--only", nargs="*", default=[], metavar="SLUG", help="only these pages")
    parser.add_argument("--phone", nargs="*", default=PHONE_PAGES, metavar="SLUG",
                        help=f"pages also shot at phone size ('all' for every page; default: {' '.join(PHONE_PAGES)})")
    args = parser.parse_args(argv)

    chromium_binary = _chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="youthwork-shots-") as temp:
        started = time.monotonic()
        _demo_database(Path(temp))
        from tests.pages import main_pages

        pages = [page for page in main_pages() if not args.only or page.slug in args.only]
        unknown = set(args.only) - {page.slug for page in pages}
        if unknown:
            raise SystemExit(f"no such page: {', '.join(sorted(unknown))}")
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port, server)
            print(f"demo data ready and served in {time.monotonic() - started:.0f} s; {len(pages)} pages")
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = chromium.launch(playwright, chromium_binary, "--hide-scrollbars")
                for username in dict.fromkeys(page.username for page in pages):
                    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", device_scale_factor=1)
                    context.set_default_timeout(30_000)
                    tab = context.new_page()
                    if username:
                        _sign_in(tab, base_url, username)
                    for page in (page for page in pages if page.username == username):
                        _shoot(tab, base_url + page.path, args.out / f"{page.slug}.png")
                        if "all" in args.phone or page.slug in args.phone:
                            tab.set_viewport_size(PHONE)
                            _shoot(tab, base_url + page.path, args.out / f"{page.slug}-phone.png", full_page=False)
                            tab.set_viewport_size(DESKTOP)
                        print(f"  {page.slug:<20} {page.title} ({username or '未登录'})")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{len(pages)} pages in {args.out} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
