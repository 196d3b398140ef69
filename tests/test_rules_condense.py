"""The bullet's words that state no fact, taken out when a rules rewrite runs past two lines."""

import pytest

from bulletsmith.engines.rules.condense import condensed


@pytest.mark.parametrize(
    "written, shorter",
    [
        ("Built a retry queue in order to stop lost orders", "Built a retry queue to stop lost orders"),
        ("Successfully migrated 40 jobs", "Migrated 40 jobs"),
        (
            "Wrote the core libraries that are shared by all data scientists",
            "Wrote the core libraries shared by all data scientists",
        ),
        ("Moved it to Kubernetes which is based on AWS EKS", "Moved it to Kubernetes based on AWS EKS"),
        ("training models on Tensor Processing Units (TPU)", "training models on TPU"),
        ("utilizing IaC(Infrastructure as Code) tools", "utilizing IaC tools"),
        ("retry on failure, DLQ (Dead Letter Queue), event routing", "retry on failure, DLQ, event routing"),
    ],
)
def test_wording_that_states_no_fact_goes(written, shorter):
    assert condensed(written) == shorter


@pytest.mark.parametrize(
    "written",
    [
        "Reward model toolkit (Python 3.11, PyTorch 2.1)",  # a parenthesis of facts
        "Provisioned an easily managed cluster",  # the article would no longer fit
        "Built a model that was a hit",  # no participle after "was"
        "Ran the audit (weekly) for 3 vendors",  # not a name spelled twice
    ],
)
def test_facts_and_grammar_stay(written):
    assert condensed(written) == written
