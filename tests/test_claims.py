"""The claims table: every check-marked line of the hand-written Phase 4 report has the entry a reader expects."""

from __future__ import annotations

import hashlib

import pytest

from acceptance import ROOT
from phasegate.catalogue import claims
from phasegate.catalogue.criteria import load_phases
from test_catalogue import collect, copy_repo, edit

SEED_SHA256 = "4839089891a3ed793e2c2edad831c03688bed120d81cd9e7a12b478ad4b0a6d4"  # seeds/000_a5d694b34b78dd9e.txt
PHASE4 = ROOT / "features" / "phase4"

# Every line of the seed with a check mark: its number, its claim, and what accounts for it (criteria IDs;
# "verdict": the phase verdict; "not verifiable ~ closest IDs").
SEED = [
    (5, 'Status: COMPLETED', "verdict"),
    (21, 'Status: LIVE (not suspended)', "P4-07 P4-08"),
    (28, 'Auto Deploy: Enabled', "P4-12"),
    (32, 'Service Status Validation', "P4-03 P4-04 P4-05 P4-06 P4-07 P4-08"),
    (33, 'Service Status: LIVE (not suspended)', "P4-07 P4-08"),
    (34, 'Service Type: Background Worker', "P4-03"),
    (35, 'Runtime: Docker', "P4-04"),
    (36, 'Region: Oregon (us-west-2)', "P4-05"),
    (37, 'Plan: Starter', "P4-06"),
    (39, 'Configuration Validation', "P4-03 P4-09 P4-11 P4-12"),
    (40, 'Dockerfile Path: ./backend/workers/Dockerfile', "P4-09"),
    (41, 'Branch: staging (corrected from deployment/cloud-infrastructure)', "P4-11"),
    (42, 'Auto Deploy: Enabled', "P4-12"),
    (43, 'Service Type: Background Worker (corrected from web service)', "P4-03"),
    (45, 'Environment Configuration', "P4-20 P4-21 P4-22 P4-23 P4-24 P4-25 P4-26"),
    (47, 'ENVIRONMENT=staging', "P4-20"),
    (48, 'DEBUG=false', "P4-21"),
    (49, 'LOG_LEVEL=INFO', "P4-22"),
    (50, 'Database connection variables', "P4-23"),
    (51, 'Supabase configuration variables', "P4-24"),
    (52, 'Worker-specific configuration variables', "P4-25"),
    (53, 'External API keys', "P4-26"),
    (54, 'Security configurations', "not verifiable ~ P4-21 P4-27 P4-28"),
    (59, 'Database Status: Connected', "P4-40"),
    (60, 'Schema Isolation: upload_pipeline_staging', "P4-41 P4-43 P4-44"),
    (61, 'Connection Pool: Active', "P4-47"),
    (62, 'Authentication: Staging-specific credentials', "P4-42"),
    (73, 'Worker Type: Background Worker (corrected from web service)', "P4-03"),
    (74, 'Job Processing: Ready to process background jobs', "P5-20"),
    (75, 'Queue Integration: Configured for job queuing', "P4-46 P5-06"),
    (76, 'Retry Logic: Implemented for failed jobs', "P5-21"),
    (79, 'API Service Integration: Ready for API-Worker communication', "P5-01 P5-04 P5-05 P5-06"),
    (80, 'Database Integration: Shared database with schema isolation', "P4-41 P4-43 P4-44 P5-04"),
    (81, 'External Services: Staging-specific API keys configured', "P4-26 P4-28"),
    (82, 'Logging: Structured logging implemented', "P4-64"),
    (89, 'Status: RESOLVED', "P4-03"),
    (94, 'Status: RESOLVED', "P4-09"),
    (99, 'Status: RESOLVED', "P4-11"),
    (104, 'Status: RESOLVED', "P4-40"),
    (109, 'Status: RESOLVED', "P4-01"),
    (114, 'Database Schema: Separate staging schema (upload_pipeline_staging)', "P4-41 P4-43"),
    (115, 'API Keys: Staging-specific keys', "P4-26 P4-28"),
    (116, 'Service URLs: Staging-specific endpoints', "P4-29"),
    (117, 'Environment Variables: Staging-specific values', "P4-20 P4-28 P4-29"),
    (120, 'JWT_SECRET: Removed from environment', "P4-27"),
    (121, 'Sensitive Data: Properly isolated', "P4-28 P4-43 P4-48 P4-51"),
    (122, 'Database: Schema-level isolation', "P4-43 P4-44"),
    (123, 'API Keys: Staging-specific with limited scope', "P4-26 P4-28 P4-43"),
    (128, 'Service Status: LIVE', "P4-07 P4-08"),
    (142, 'Communication: Ready for API-Worker communication', "P5-01 P5-04 P5-05 P5-06"),
    (143, 'Database: Shared database with schema isolation', "P4-41 P4-43 P4-44 P5-04"),
    (144, 'Environment: Consistent staging environment', "P4-20 P5-03"),
    (145, 'Security: Proper authentication and authorization', "P4-42 P4-43 P5-05"),
    (148, 'Supabase: Connected with staging credentials', "P4-24 P4-40 P4-42"),
    (149, 'API Keys: Staging-specific keys configured', "P4-26 P4-28"),
    (150, 'External APIs: Staging-specific endpoints', "not verifiable ~ P4-29"),
    (162, 'Current Status: LIVE', "P4-08"),
    (164, 'Auto Deploy: Enabled', "P4-12"),
    (170, 'Service Status: Monitored via Render dashboard', "P4-66"),
    (171, 'Health Checks: Automated health monitoring', "not applicable (service.type) ~ P4-03"),
    (172, 'Resource Usage: Memory and CPU monitoring', "P4-60 P4-61"),
    (173, 'Database: Connection monitoring active', "not verifiable ~ P4-47"),
    (176, 'Job Processing: Queue monitoring', "P4-63"),
    (177, 'Error Tracking: Failed job monitoring', "P4-62 P5-07 P5-08"),
    (178, 'Performance: Processing time monitoring', "not verifiable ~ P4-63"),
    (179, 'Logging: Structured logging for debugging', "P4-64 P4-65"),
    (199, 'Job Queue: Configured and ready', "P4-46 P5-06"),
    (200, 'Processing Logic: Enhanced base worker implemented', "not verifiable ~ P4-10 P5-20"),
    (201, 'Retry Logic: Configured for failed jobs', "P4-25 P4-46"),
    (202, 'Error Handling: Comprehensive error handling', "not verifiable ~ P4-62 P5-07 P5-21"),
    (205, 'Worker Runner: Enhanced worker runner operational', "P4-08 P4-10"),
    (206, 'Job Processing: Ready to process background jobs', "P5-20"),
    (207, 'Database Operations: Database operations configured', "P4-40 P4-45 P5-06"),
    (208, 'External API Calls: External service integration ready', "not verifiable ~ P4-26"),
    (213, 'Worker Service: Ready for API integration', "P5-01"),
    (214, 'Database: Ready for shared access with API service', "P5-04"),
    (215, 'Environment: Ready for service-to-service communication', "P5-02 P5-03"),
    (216, 'Monitoring: Ready for integrated monitoring', "P5-08"),
    (219, 'API-Worker Communication: Ready for configuration', "P5-05"),
    (220, 'Job Queuing: Ready for job processing workflows', "P5-06"),
    (221, 'Database Sharing: Ready for shared database access', "P5-04 P5-05 P5-06"),
    (222, 'Error Handling: Ready for integrated error handling', "P5-07"),
    (228, 'Complete Functionality: All core worker features operational', "verdict"),
    (229, 'Proper Isolation: Staging-specific environment and database schema', "P4-20 P4-41 P4-42 P4-43 P4-44"),
    (230, 'Security Compliance: Proper security measures implemented', "P4-21 P4-27 P4-28 P4-29 P4-42 P4-43"),
    (231, 'Integration Ready: Prepared for API service integration',
     "P5-01 P5-02 P5-03 P5-04 P5-05 P5-06 P5-07 P5-08"),
    (232, 'Background Processing: Ready for job processing workflows', "P5-06"),
    (238, 'Phase 4 Status: COMPLETED', "verdict"),
]


def entries():
    phase = load_phases(ROOT)["phase4"]
    lines = [claims.ClaimLine(*line) for line in phase.hand_written["lines"]]
    return claims.account(lines, phase.claims_table())


def described(entry: claims.Entry) -> str:
    ids = " ".join(entry.criteria)
    if entry.status == claims.PHASE_VERDICT:
        return "verdict"
    if entry.status == claims.NOT_VERIFIABLE:
        return "not verifiable" + (f" ~ {ids}" if ids else "")
    if entry.status == claims.NOT_APPLICABLE:
        return f"not applicable ({entry.field}) ~ {ids}"
    return ids if entry.status == claims.CRITERIA else "unmapped"


def test_the_hand_written_report_is_the_seed_verbatim():
    assert hashlib.sha256((PHASE4 / "hand-written-report.md").read_bytes()).hexdigest() == SEED_SHA256


def test_every_check_marked_line_of_the_seed_has_the_expected_entry():
    found = [(e.line.line, e.line.text, described(e)) for e in entries()]
    assert len(found) == 88
    assert found == SEED


def test_every_not_verifiable_claim_says_why():
    table = load_phases(ROOT)["phase4"].claims_table()
    assert all(c.reason for c in table.values() if c.status == claims.NOT_VERIFIABLE)
    assert claims.summary(entries()) == "88 claims: 77 judged by 48 criteria, 3 phase verdicts, 7 not verifiable, 1 not applicable"


@pytest.mark.parametrize("written, claim", [
    ("- **Service Status**: ✅ LIVE (not suspended)", "service status: live (not suspended)"),
    ("* __Service Status__ :   ✔️ live ( not suspended )", "service status: live (not suspended)"),
    ("1. ☑ *Service Status*: _LIVE_ (not suspended)", "service status: live (not suspended)"),
    ("- [x] `Service Status`: LIVE (not suspended)", "service status: live (not suspended)"),
    ("### ✅ Service Status Validation", "service status validation"),
    ("- ✅ `LOG_LEVEL=INFO`", "log_level=info"),
    ("- ✅ **JWT_SECRET**: Removed from environment", "jwt_secret: removed from environment"),
    ("- **Dockerfile Path**: ✅ `./backend/workers/Dockerfile`", "dockerfile path: ./backend/workers/dockerfile"),
])
def test_a_claim_is_its_text_without_marks_markers_emphasis_or_case(written, claim):
    assert claims.is_claim_line(written)
    assert claims.claim_key(written) == claim


def test_lines_without_a_check_mark_and_code_blocks_are_not_claims():
    text = "- **Memory Usage**: Stable\n- [ ] not done\n```\n- ✅ an example\n```\n- ✅ done\n"
    assert [(c.line, c.text) for c in claims.claim_lines(text)] == [(6, "done")]


def test_a_claim_mapped_to_an_unknown_criterion_stops_collection(tmp_path):
    repo = copy_repo(tmp_path)
    edit(repo / "features/phase4/phase.yaml", '{claim: "Runtime: Docker", criteria: [P4-04]}',
         '{claim: "Runtime: Docker", criteria: [P4-04, P4-99]}')
    edit(repo / "features/phase4/phase.yaml", '{claim: "Plan: Starter", criteria: [P4-06]}',
         '{claim: "Plan: Starter", criteria: [P7-01]}')
    done = collect(repo)
    assert done.returncode != 0
    problems = [ln for ln in done.stderr.splitlines() if "which no scenario carries" in ln]
    assert problems == [
        "features/phase4/phase.yaml: claim 'Runtime: Docker' is mapped to P4-99, which no scenario carries",
        "features/phase4/phase.yaml: claim 'Plan: Starter' is mapped to P7-01, which no scenario carries",
    ], done.stderr


def test_the_same_claim_twice_in_a_table_is_a_problem():
    _table, problems = claims.read_table([{"claim": "**Plan**: Starter", "criteria": ["P4-06"]},
                                          {"claim": "plan:  starter", "phase_verdict": True},
                                          {"claim": "Region", "criteria": ["P4-05"], "phase_verdict": True},
                                          {"claim": "Memory", "not_verifiable": None}], "phase.yaml")
    assert problems == [
        "phase.yaml: claims[2] 'plan: starter': the same claim as '**Plan**: Starter' (one entry per claim)",
        "phase.yaml: claims[3] 'Region': needs exactly one of criteria, phase_verdict, not_verifiable, "
        "not_applicable (has criteria, phase_verdict)",
        "phase.yaml: claims[4] 'Memory': needs exactly one of criteria, phase_verdict, not_verifiable, "
        "not_applicable (has none)",
    ]


def test_a_not_applicable_claim_names_the_field_that_proves_it():
    table, problems = claims.read_table([
        {"claim": "Health Check: /health", "not_applicable": "a worker has no health check", "field": "service.type",
         "closest": ["P4-03"]},
        {"claim": "No field", "not_applicable": "why"},
        {"claim": "Stray field", "criteria": ["P4-03"], "field": "service.type"},
    ], "phase.yaml")
    [claim] = table.values()
    assert (claim.status, claim.field, claim.criteria) == (claims.NOT_APPLICABLE, "service.type", ("P4-03",))
    assert len(problems) == 2 and all("field" in p for p in problems)


@pytest.mark.parametrize("proving, word", [(["passed"], "not applicable"), ([], "not applicable"),
                                           (["failed"], "failed"), (["passed", "broken"], "broken")])
def test_not_applicable_holds_only_while_the_field_is_proven(proving, word):
    assert claims.not_applicable_word(proving) == word
