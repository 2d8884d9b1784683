"""What the plugin writes to the terminal: the run's header, the per-phase summary, own lines."""

from __future__ import annotations

from ..causes import Causes
from ..catalogue.claims import PENDING
from ..profile import Profile
from .context import context
from .stash import CAUSES, OUTCOMES, PROFILE, RUN_PHASES, SCENARIOS, WAIVERS


def end_progress_line(reporter) -> None:
    """Our lines start on a line of their own, not after the dots of a -q progress line."""
    if getattr(reporter._tw, "width_of_current_line", 0):
        reporter.write("\n")


def _header(profile: Profile, practice: bool = False) -> list[str]:
    if profile.sandbox:
        return [f"phasegate: {'PRACTICE ' if practice else ''}SANDBOX run (profile {profile.source}, world {profile.sandbox_world!r}): "
                "a simulated Render and database, never a sign-off"]
    return [f"phasegate: profile {profile.source}, Render API {profile.render_api_url}, "
            f"service {profile.service_name!r}"]


def write_header(config) -> None:
    """Before the first scenario: the profile, its deprecations, the phases judged."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    profile = config.stash[PROFILE]
    for line in _header(profile, config.getoption("phasegate_practice")):
        reporter.write_line(line, bold=True)
    for line in profile.deprecations:  # a deprecated key the profile used: said once, at the start
        reporter.write_line(line, yellow=True)
    reporter.write_line("phasegate: judging " + ", ".join(
        f"{phase.title} ({phase.name})" for phase in config.stash[RUN_PHASES]), bold=True)
    unfixed = [cid for phase in config.stash[RUN_PHASES] for cid, c in phase.criteria.items() if not c.fix]
    if unfixed:  # a failure of these says what is wrong but not what to change: a "Fix:" paragraph is missing
        reporter.write_line(f"phasegate: no Fix: in the scenario of {', '.join(unfixed)}", yellow=True)


def pending_criteria(config) -> list[str]:
    """The criteria this run selected whose step says they are not yet executable (a scaffolded claim)."""
    return sorted({cid for s in config.stash.get(SCENARIOS, []) if s["outcome"] == "skipped"
                   and s["message"].startswith(PENDING) for cid in s["criteria"] if cid != "policy"})


def write_summary(terminalreporter, config) -> None:
    """One section per phase judged: each criterion's status (waivers and pending claims said)."""
    outcomes = config.stash.get(OUTCOMES, None)
    profile = config.stash.get(PROFILE, None)
    if not outcomes or profile is None:
        return
    from ..catalogue.waivers import judge

    waivers = {w.criterion: w for w in config.stash.get(WAIVERS, [])}
    sandbox = " (SANDBOX — not a sign-off)" if context(config).is_sandbox() else ""
    pending = set(pending_criteria(config))
    for index, phase in enumerate(config.stash[RUN_PHASES]):
        terminalreporter.section(f"phasegate: {phase.title} criteria{sandbox}")
        if index == 0:
            for cause in config.stash.get(CAUSES, Causes()):
                terminalreporter.line(f"cause {cause.number} (the {cause.target}, printed above) broke "
                                      f"{len(cause.criteria)} criteria", red=True)
        for cid in sorted(c for c in outcomes if c in phase.criteria):
            judged = judge(outcomes[cid], waivers.get(cid))
            note = ""
            if judged.status == "waived":
                note = f" ({outcomes[cid]}; waived by {judged.waiver.approver} until {judged.waiver.expires})"
            elif judged.waiver_state == "expired":
                note = f" (waiver expired {judged.waiver.expires})"
            status = "pending" if cid in pending else judged.status  # a scaffolded claim, not yet executable
            terminalreporter.line(f"{status:8} {cid} {phase.criteria[cid].title}{note}")
