"""The command-line options of the plugin, in the "phasegate" group (``pytest --help``)."""

from __future__ import annotations


def add_options(parser) -> None:
    """The main options, then the round trip's ``--active`` (the order ``--help`` lists them in)."""
    group = parser.getgroup("phasegate")
    group.addoption("--env", dest="phasegate_env", metavar="NAME", default=None,
                    help="profile environments/NAME.env (default: the environment named by -m, else staging)")
    group.addoption("--report-dir", dest="phasegate_report_dir", metavar="DIR", default="reports",
                    help="where run folders are written: DIR/<env>/<UTC timestamp>/ (default: reports)")
    group.addoption("--phase", dest="phasegate_phase", metavar="NAME", action="append", default=None,
                    help="judge only this phase, features/NAME/ (repeatable; default: the phases the profile's "
                         "PHASEGATE_PHASES lists, else every phase)")
    group.addoption("--no-report", dest="phasegate_no_report", action="store_true", default=False,
                    help="write the run folder (results, run.json) but not the completion report and HTML")
    group.addoption("--no-html", dest="phasegate_no_html", action="store_true", default=False,
                    help="write the completion report and manifest but not the Allure HTML, which takes seconds a "
                         "phase (`phasegate report RUN` builds it later)")
    group.addoption("--practice", dest="phasegate_practice", action="store_true", default=False,
                    help="a PRACTICE run (the sandbox profile only): every artefact stamped PRACTICE, signable with "
                         "`phasegate signoff --practice` and never for a real gate (`phasegate practice` runs it)")
    parser.getgroup("phasegate").addoption(
        "--active", dest="phasegate_active", action="store_true", default=False,
        help="run the round trip: write canary jobs with PHASEGATE_CANARY_DATABASE_URL, "
             "then remove them (PHASEGATE_ACTIVE=1 in a profile does the same)")
