"""A failing test in tests/ prints no secret: not in its frames' arguments, not in its assertion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FAILING_TEST = '''
from phasegate import redact
PASSWORD = "pw-" + "LEAKCHECK-" + "0123456789abcdef"


def connect(url, timeout=3):
    assert url.startswith("postgresql://nobody"), "cannot connect"


def test_fails_with_the_url_in_its_arguments():
    redact.register(PASSWORD)  # as the sandbox registers every password it makes
    connect("postgresql://upload_worker_staging:" + PASSWORD + "@127.0.0.1:6543/phase4")
'''


def run_failing_test(tmp_path: Path, with_conftest: bool) -> str:
    (tmp_path / "test_fails.py").write_text(FAILING_TEST)
    if with_conftest:
        (tmp_path / "conftest.py").write_text(Path(__file__).with_name("conftest.py").read_text())
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--tb=long", "-rA",
                           str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout
    return done.stdout + done.stderr


def test_a_failing_test_prints_no_password(tmp_path):
    output = run_failing_test(tmp_path, with_conftest=True)
    assert "pw-LEAKCHECK-0123456789abcdef" not in output
    assert "postgresql://upload_worker_staging:***@127.0.0.1:6543/phase4" in output  # the frame is still shown


def test_without_the_scrubbing_conftest_pytest_would_print_it(tmp_path):
    assert "pw-LEAKCHECK-0123456789abcdef" in run_failing_test(tmp_path, with_conftest=False)
