"""The step vocabulary is generated from the step definitions (``phasegate steps``), is what docs/VOCABULARY.md
holds, and says the truth: every example is matched by its own definition and by no other one."""

from __future__ import annotations

import pytest

from acceptance import ROOT
from cli_runner import phasegate
from phasegate.cli.steps import step_modules, vocabulary
from phasegate.pytest_plugin.introspection import step_contexts
from phasegate.pytest_plugin.vocabulary import as_words, entry, nearest

MODULES = step_modules(ROOT)


@pytest.fixture(scope="module")
def contexts():
    vocabulary(ROOT)  # imports the step modules: their definitions are registered
    return [c for c in step_contexts() if c.step_func.__module__ in MODULES]


def test_docs_vocabulary_is_the_output_of_phasegate_steps():
    done = phasegate("steps")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ROOT / "docs" / "VOCABULARY.md").read_text(encoding="utf-8"), \
        "docs/VOCABULARY.md is stale: phasegate steps > docs/VOCABULARY.md"


def test_the_vocabulary_lists_the_sentences_of_any_role():
    text = (ROOT / "docs" / "VOCABULARY.md").read_text(encoding="utf-8")
    for sentence in ('Given the "web" service as Render reports it', 'Then its type is "static_site"',
                     'Then its custom domain "staging.uploads.example.com" is verified',
                     'Then "VITE_API_URL" is the "api" service\'s URL', 'Then its publish path is "dist"',
                     'Then "JWT_SECRET" is absent from the service, its environment groups and its secret files'):
        assert f"Example: `{sentence}`" in text, sentence


def test_every_step_says_what_it_judges_and_gives_an_example_only_it_matches(contexts):
    assert len(contexts) > 40
    for context_ in contexts:
        e = entry(context_)
        assert e.summary and e.examples, f"{e.module}:{e.line} needs a docstring with an Example: line"
        for example in e.examples:
            keyword, _, text = example.partition(" ")
            assert keyword == e.keyword, example
            text = text.replace("<service>", "upload-worker-staging")  # the policy's outline placeholder
            matching = [c for c in contexts if c.type == context_.type and c.parser.is_matching(text)]
            assert matching == [context_], f"{example!r} is matched by {[c.step_func.__name__ for c in matching]}"


def test_a_regular_expression_reads_as_words():
    assert as_words(r'its (?P<wording>type|start command) is "(?P<expected>[^"]*)"') == (
        'its {wording} is "{expected}"', (("wording", ("type", "start command")),))
    assert as_words(r'the "(?P<role>[a-z][a-z0-9_-]*)" service\'s URL') == ('the "{role}" service\'s URL', ())


def test_an_unknown_sentence_is_answered_with_the_nearest_known_ones(contexts):
    known = [entry(c) for c in contexts]
    assert nearest("then", 'its kind is "static_site"', known)[0] == 'Then its type is "static_site"'
    assert nearest("given", 'the "web" service as render reports it', known)[0] == \
        'Given the "web" service as Render reports it'
