"""What shipped: the commits a signed run judged, against the commit a pipeline asks about and against what
the later runs saw live.

A signed run's ``run.json`` records each judged service's live deploy (``judged_services``:
:mod:`phasegate.record.judged`). Two causes close the gate (:mod:`.promotion`):

- **NOT THE SIGNED COMMIT** — ``--commit`` names a commit the signed run did not judge. ``--commit SHA``
  (a full SHA: 40 hex digits, or 64 for a SHA-256 repository) is about every service the signed run
  judged: each must have run exactly that commit. ``--commit KEY=SHA`` (repeatable) is about the one
  service whose role (``worker``, ``api``) or name (``upload-worker-staging``) is KEY; a KEY that names
  no service the signed run judged is a mistake in the call (:class:`CommitArgument`, exit 64). A run
  signed before phasegate recorded what it judged carries no commit: it never matches.
- **CHANGED** — a service the call does not name by ``--commit`` now runs another commit (or image) than
  the signed one, as the newest later run that recorded its deploy saw it.
"""

from __future__ import annotations

import re

from ..record.judged import live_since, ran  # noqa: F401 (ran: the gate's open line names it)
from ..record.run_record import JudgedService, RecordedDeploy
from ..timefmt import minute_utc

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


class CommitArgument(ValueError):
    """A ``--commit`` the gate cannot be asked (the message says why): a usage error, exit 64."""


def parse_commits(values) -> list[tuple[str | None, str]]:
    """``--commit`` values as (role or service name, or None for every judged service; the full SHA, lower case)."""
    asked = []
    for value in values or ():
        key, _, sha = str(value).rpartition("=")
        sha = sha.strip().lower()
        if not _SHA.match(sha):
            raise CommitArgument(f"--commit {value!r}: give the full commit SHA (40 hex digits), as SHA or "
                                 "ROLE=SHA / SERVICE=SHA (e.g. worker=<sha>)")
        if "=" in str(value) and not key.strip():
            raise CommitArgument(f"--commit {value!r}: nothing before '=' (a role such as worker, or a service name)")
        asked.append((key.strip() or None, sha))
    return asked


def _deploy_words(deploy: RecordedDeploy | None) -> str:
    """``9f1c2e7 (deploy dep-…)``: what a recorded deploy ran, and which deploy it was."""
    if not deploy:
        return "no deploy recorded"
    return f"{ran(deploy)} (deploy {deploy.id})"


def _matching(services: list[JudgedService], key: str | None) -> list[JudgedService]:
    return [e for e in services if e.named_by(key)]


def not_the_signed_commit(services: list[JudgedService] | None, asked, folder_name: str) -> str | None:
    """Why the signed run did not judge the commits asked about, in one line; None when it judged each of them.

    ``services`` is the signed run's ``judged_services`` (None: a run recorded before phasegate kept them).
    """
    if not asked:
        return None
    if services is None:
        shas = ", ".join(sha[:7] for _, sha in asked)
        return (f"--commit {shas}: the signed run {folder_name} carries no commit (signed before phasegate recorded "
                "what it judged), so it cannot be said to have judged it")
    wrong = []
    for key, sha in asked:
        matched = _matching(services, key)
        if not matched and key is None:  # no service recorded at all: nothing was judged at any commit
            wrong.append(f"the signed run {folder_name} recorded no judged service, not {sha[:7]} (--commit {sha[:7]}…)")
            continue
        if not matched:
            judged = ", ".join(f"{e.role} {e.name}" for e in services) or "none"
            raise CommitArgument(f"--commit {key}={sha[:7]}…: the signed run {folder_name} judged no service {key!r} "
                                 f"(it judged: {judged})")
        for entry in matched:
            deploy = entry.deploy
            if ((deploy.commit if deploy else None) or "").lower() == sha:
                continue
            said = (f"judged {entry.name} at {_deploy_words(deploy)}" if deploy else
                    f"recorded no deploy of {entry.name} ({entry.not_recorded or 'not read'})")
            wrong.append(f"the signed run {said}, not {sha[:7]} (--commit {key + '=' if key else ''}{sha[:7]}…)")
    return "; ".join(wrong) or None


def changed(services: list[JudgedService] | None, later: list, environment: str, asked=()) -> str | None:
    """Services not named by ``--commit`` that now run another commit (or image) than the signed run judged.

    ``later`` are the later runs (:class:`.drift.LaterRun`, oldest first); for each service the newest one
    that recorded its deploy says what runs now.
    """
    named = {e.name for key, _ in asked for e in _matching(services or [], key)}
    parts = []
    for entry in services or []:
        signed = entry.deploy
        if not signed or entry.name in named:
            continue
        seen = _newest_seen(entry, later)
        if seen is None:
            continue
        run, now = seen
        if now.shipped() != signed.shipped():
            parts.append(f"{entry.name} signed at {_deploy_words(signed)}; {environment} now runs {ran(now)} "
                         f"since {live_since(now)} (deploy {now.id}, seen by the run of {minute_utc(run.when)} "
                         f"({run.folder.name}))")
    return "; ".join(parts) or None


def _newest_seen(entry: JudgedService, later: list):
    """(the newest later run that recorded this service's live deploy, that deploy); None if none did."""
    for run in reversed(later):
        for other in run.services or []:
            if (other.name, other.role) == (entry.name, entry.role) and other.deploy:
                return run, other.deploy
    return None


def no_commit_note(services: list[JudgedService] | None, folder_name: str) -> str | None:
    """What the gate says of a signed run that carries no commit (signed before phasegate recorded them)."""
    if services is None:
        return (f"{folder_name} carries no commit (signed before phasegate recorded what it judged): whether the "
                "services changed since cannot be told")
    return None
