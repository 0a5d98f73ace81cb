"""The production profile: safe defaults, `check --deploy` clean, CSP on every page, whitenoise serving collected
static files through gunicorn, and the media storage (local disk or S3) chosen from the environment."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from tracker.org.models import EvidenceFile
from youthwork.settings import media_storage

from .conftest import client_for
from .factories import PDF_BYTES
from .test_permissions import MATRIX

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "object-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'",
}


def production_env(tmp_path: Path | None = None, **overrides: str) -> dict[str, str]:
    """This process's environment without any DJANGO_* (the test run sets some), plus a production profile."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DJANGO_", "AWS_", "GUNICORN_", "DATABASE_URL"))}
    environment.update({
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "gwgw.example.edu.cn",
        "DJANGO_BEHIND_HTTPS_PROXY": "true",
    })
    if tmp_path is not None:  # keep the subprocess away from the developer's var/
        environment.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
                            "DJANGO_MEDIA_ROOT": str(tmp_path / "media")})
    environment.update(overrides)
    return environment


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def settings_under(env: dict[str, str], *names: str) -> dict:
    """The values the settings module computes under `env` (imported in a fresh interpreter)."""
    script = ("import json, youthwork.settings as s; "
              f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))")
    done = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- Safe by default and check --deploy -----------------------------------------------------------------------------


def test_without_django_debug_the_portal_runs_the_production_profile(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_DEBUG"]
    values = settings_under(env, "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                            "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
                            "CSRF_COOKIE_SECURE", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
                            "SECURE_REFERRER_POLICY", "STORAGES")
    assert values["DEBUG"] is False and values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    # An empty value counts as unset: it does not switch a protection off.
    emptied = settings_under({**env, "DJANGO_SECURE_SSL_REDIRECT": "", "DJANGO_HSTS_SECONDS": "",
                              "DJANGO_SECURE_COOKIES": ""}, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                             "SESSION_COOKIE_SECURE")
    assert emptied == {"SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SECURE": True}
    # The demo profile, as `make run` sets it: no HTTPS redirect, plain static files.
    demo = settings_under({**env, "DJANGO_DEBUG": "true"}, "DEBUG", "SECURE_SSL_REDIRECT", "STORAGES")
    assert demo["DEBUG"] is True and demo["SECURE_SSL_REDIRECT"] is None
    assert demo["STORAGES"]["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_media_inside_the_static_root_is_refused(tmp_path):
    env = production_env(tmp_path, DJANGO_MEDIA_ROOT=str(tmp_path / "static" / "media"))
    done = manage("check", env=env)
    assert done.returncode != 0 and "DJANGO_MEDIA_ROOT" in done.stderr


def test_check_deploy_gives_no_warning_under_the_production_profile(tmp_path):
    clean = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no issues" in clean.stdout and "WARNING" not in clean.stderr
    # The same check does catch a weakened profile (so the one above can fail).
    weak = manage("check", "--deploy", "--fail-level", "WARNING",
                  env=production_env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_HSTS_SECONDS="0"))
    assert weak.returncode != 0 and "security.W008" in weak.stderr and "security.W004" in weak.stderr


# --- Content-Security-Policy -------------------------------------------------------------------------------------


def policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: address"),
]


@pytest.mark.parametrize("persona", ["staff", "secretary", "anonymous"])
def test_every_html_page_carries_the_policy_and_nothing_it_would_block(request, world, persona):
    """Every GET page of the permission matrix (every URL pattern of the portal), as three personas."""
    client = client_for(request.getfixturevalue(persona))
    pages = 0
    for name, row in sorted(MATRIX.items()):
        if row.method != "GET" or name.startswith("admin:"):
            continue
        with transaction.atomic():  # each row's objects are made afresh, as in the permission matrix
            response = client.get(reverse(name, args=row.args(world)))
            transaction.set_rollback(True)
        assert "Content-Security-Policy" in response, name
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code != 200:
            continue
        pages += 1
        assert policy(response) == CSP, name
        html = response.content.decode()
        for pattern, what in INLINE:
            found = pattern.search(html)
            assert found is None, f"{name}: {what} would be blocked by the policy: {html[found.start():][:120]!r}"
    assert pages >= (1 if persona == "anonymous" else 25)


def test_admin_pages_carry_the_policy_and_load_their_scripts_from_files(admin_user, world, settings):
    settings.OTP_ADMIN_REQUIRED = False  # the second factor is tested with the sign-in; here only the pages count
    client = client_for(admin_user)
    for url in [reverse("admin:index"), reverse("admin:tracker_task_changelist"),
                reverse("admin:tracker_task_change", args=[world.school_task.pk]), reverse("admin:auth_user_add")]:
        response = client.get(url)
        assert response.status_code == 200 and policy(response) == CSP, url
        html = response.content.decode()
        for pattern, what in INLINE[:2] + INLINE[3:]:
            assert pattern.search(html) is None, f"{url}: {what}"


# --- whitenoise, collectstatic and gunicorn ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "gwgw.example.edu.cn", **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_gunicorn_serves_the_portal_and_collected_static_files_with_the_security_headers(tmp_path):
    env = production_env(tmp_path)
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/portal.css"]
    assert hashed_css != "css/portal.css" and (tmp_path / "static" / (hashed_css + ".gz")).exists()

    port = free_port()
    server = subprocess.Popen([str(Path(PYTHON).with_name("gunicorn")), "-c", "gunicorn.conf.py"], cwd=ROOT,
                              env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = fetch(port, "/accounts/login/", {"X-Forwarded-Proto": "https"})
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin" and "frame-ancestors 'none'" in headers[
            "content-security-policy"]
        assert "Secure" in headers["set-cookie"]  # the CSRF cookie travels over HTTPS only
        assert f"/static/{hashed_css}".encode() in body  # pages link the hashed copy from the manifest

        status, headers, _ = fetch(port, "/accounts/login/", {})  # plain http from the proxy: sent to https
        assert status == 301 and headers["location"] == "https://gwgw.example.edu.cn/accounts/login/"

        status, headers, body = fetch(port, f"/static/{hashed_css}",
                                      {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip" and "immutable" in headers["cache-control"]
        status, _, _ = fetch(port, "/static/../youthwork/settings.py", {"X-Forwarded-Proto": "https"})
        assert status == 404
    finally:
        server.terminate()
        server.wait(timeout=20)


# --- Media storage ------------------------------------------------------------------------------------------------


def storage_for(monkeypatch, **variables: str) -> dict:
    for name in ("DJANGO_MEDIA_STORAGE", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_LOCATION", "AWS_S3_ADDRESSING_STYLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return media_storage(environ.Env())


def test_media_storage_is_the_local_disk_unless_s3_is_chosen(monkeypatch):
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storage_for(monkeypatch) == local
    assert storage_for(monkeypatch, DJANGO_MEDIA_STORAGE="") == local
    assert storage_for(monkeypatch, DJANGO_MEDIA_STORAGE="Local") == local
    s3 = storage_for(monkeypatch, DJANGO_MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="gwgw-evidence",
                     AWS_S3_ENDPOINT_URL="https://oss.example.edu.cn", AWS_ACCESS_KEY_ID="key",
                     AWS_SECRET_ACCESS_KEY="secret", AWS_S3_ADDRESSING_STYLE="path")
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] == {
        "bucket_name": "gwgw-evidence", "endpoint_url": "https://oss.example.edu.cn", "access_key": "key",
        "secret_key": "secret", "addressing_style": "path", "default_acl": "private", "querystring_auth": True,
        "querystring_expire": 300, "file_overwrite": False, "signature_version": "s3v4",
    }
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        storage_for(monkeypatch, DJANGO_MEDIA_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        storage_for(monkeypatch, DJANGO_MEDIA_STORAGE="ftp")


def test_settings_choose_s3_from_the_environment(tmp_path):
    env = production_env(tmp_path, DJANGO_MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="gwgw-evidence",
                         AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000")
    storage = settings_under(env, "STORAGES")["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "gwgw-evidence" and storage["OPTIONS"]["default_acl"] == "private"


def test_evidence_on_s3_stays_private_and_is_served_through_the_access_checked_view(
        monkeypatch, settings, world, staff, other_staff, tmp_path):
    """Several app servers share the files on object storage (moto stands in for it)."""
    moto = pytest.importorskip("moto")
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="gwgw-evidence")
        settings.STORAGES = {**settings.STORAGES, "default": storage_for(
            monkeypatch, DJANGO_MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="gwgw-evidence",
            AWS_S3_REGION_NAME="us-east-1", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")}
        client = client_for(staff)
        task = world.school_task
        response = client.post(reverse("tracker:task-update-create", args=[task.pk]), {
            "version": task.version, "date": "2021-10-20", "status": "in_progress", "progress": 40, "note": "附件",
            "files": [SimpleUploadedFile("培训班通知.pdf", PDF_BYTES)]})
        assert response.status_code == 302
        evidence = EvidenceFile.objects.get()

        s3 = boto3.client("s3", region_name="us-east-1")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="gwgw-evidence")["Contents"]]
        assert keys == [evidence.file.name]
        grants = s3.get_object_acl(Bucket="gwgw-evidence", Key=evidence.file.name)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only: private
        assert "X-Amz-Signature=" in evidence.file.url  # even a URL, if ever asked for, is signed and expires
        assert not Path(settings.MEDIA_ROOT).exists()

        download = client.get(evidence.get_absolute_url())
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
        assert download["Content-Disposition"].startswith("attachment")
        assert client_for(other_staff).get(evidence.get_absolute_url()).status_code == 404

        call_command("portal_backup", str(tmp_path / "backups"), stdout=io.StringIO())
        with tarfile.open(next((tmp_path / "backups").glob("*.tar.gz"))) as archive:
            assert archive.extractfile(f"media/{evidence.file.name}").read() == PDF_BYTES
