"""How the rules engine words things: rewrites joined from answers, and its questions.

Each test reads as an example: a bullet and the person's answers in, the text that comes out.
"""

from pathlib import Path

import pytest

from bulletsmith import Assistant, Slot
from bulletsmith.engines.rules.clauses import is_clause
from bulletsmith.engines.rules.questions import past_tense
from bulletsmith.evaluation import load_cases
from bulletsmith.guards import unsupported_quantities

rules = Assistant(engine="rules")


def rewrite(bullet: str, **answers: str) -> str:
    an = rules.analyze(bullet)
    given = {Slot(k): v for k, v in answers.items()}
    assert set(given) <= set(an.missing), f"answered a slot that is not missing: {an.missing}"
    text = rules.rewrite(an, given).text
    assert unsupported_quantities(text, [bullet, *given.values()]) == []  # never a new number
    return text


# --- the problem answer: a clause after "because", a noun phrase after "to fix" ---------


@pytest.mark.parametrize(
    "answer, joined",
    [
        ("about 40% of SMS spam reached customers", "because about 40% of SMS spam reached customers"),
        ("Owners compiled sales by hand every Monday", "because Owners compiled sales by hand every Monday"),
        ("TPU training throughput lagged GPUs by 30%", "because TPU training throughput lagged GPUs by 30%"),
        ("about 1 in 10 labels came back wrong", "because about 1 in 10 labels came back wrong"),
        ("the Coded UI licences cost $6K a year", "because the Coded UI licences cost $6K a year"),
        ("each product surface built its own recommender", "because each product surface built its own recommender"),
        ("artists only learned about infringement after takedowns", "because artists only learned about"),
        ("we relied on spreadsheets", "because we relied on spreadsheets"),
        ("A single LDAP server was a single point of failure", "because a single LDAP server was a single point"),
        ("design reviews varied by reviewer and missed failure modes", "because design reviews varied by reviewer"),
        ("inconsistent vendor labels", "to fix inconsistent vendor labels"),
        ("limited labeled data for rare classes", "to fix limited labeled data for rare classes"),
        ("reports compiled by hand", "to fix reports compiled by hand"),
        ("the need for a shared label definition", "to address the need for a shared label definition"),
    ],
)
def test_a_problem_answer_joins_as_a_clause_or_a_phrase(answer, joined):
    text = rewrite("Built a classification model for image labeling", problem=answer)
    assert text.startswith(f"Built a classification model for image labeling {joined}")
    if is_clause(answer):  # never "to address <clause>"
        assert "to address" not in text and "to fix" not in text


def test_the_problem_follows_the_action_not_the_last_sentence():
    bullet = (
        "Lead development of a Keyword Driven & Behavior Driven test framework for Microsoft Dynamics CRM. "
        "Earned monetary award & client appreciation."
    )
    text = rewrite(bullet, problem="the CRM team shipped 30% of releases late")
    # The bullet's verb in the present ("Lead") opens it in the past tense; every other word stays.
    assert text == (
        "Led development of a Keyword Driven & Behavior Driven test framework for Microsoft Dynamics CRM "
        "because the CRM team shipped 30% of releases late. Earned monetary award & client appreciation."
    )


def test_the_problem_goes_after_the_method_and_before_the_outcome():
    text = rewrite(
        "Reduced label noise by 41% by introducing validation rules, leading to a 0.15 AUC gain over 6 weeks",
        problem="vendor labels disagreed on 14 object classes",
    )
    assert text == (
        "Reduced label noise by 41% by introducing validation rules because vendor labels disagreed on "
        "14 object classes, leading to a 0.15 AUC gain over 6 weeks"
    )


def test_a_list_and_a_relative_clause_stay_whole():
    text = rewrite(
        "Maintain upkeep of computers, classroom equipment, and 200 printers across campus",
        problem="printers jammed weekly",
    )
    assert text.endswith("and 200 printers across campus because printers jammed weekly")
    text = rewrite(
        "Automated weekly reporting that saved owners roughly 5 hours per week",
        problem="owners compiled sales by hand every Monday",
    )
    assert text == (
        "Automated weekly reporting that saved owners roughly 5 hours per week "
        "because owners compiled sales by hand every Monday"
    )


def test_the_problem_goes_before_a_removing_clause():
    text = rewrite(
        "Deduplicated 2.4M prompts with MinHash before training, removing 18% near-duplicates",
        problem="raters saw the same prompts over and over",
    )
    assert text == (
        "Deduplicated 2.4M prompts with MinHash before training because raters saw the same prompts "
        "over and over, removing 18% near-duplicates"
    )


def test_a_parenthesis_is_closed_before_the_problem():
    text = rewrite(
        "Worked on APIs and performance for training models on Tensor Processing Units (TPU).",
        problem="TPU training throughput lagged GPUs by 30%",
    )
    assert text.endswith("Tensor Processing Units (TPU) because TPU training throughput lagged GPUs by 30%.")


def test_a_relative_clause_keeps_its_second_verb():
    text = rewrite(
        "Responsible for redesigning the CT triage labeling guidelines, which reduced disagreement by about 30% "
        "and improved the triage model's AUROC to 0.93",
        problem="readers used different cutoffs for 'urgent' bleeds",
    )
    assert text.endswith(
        "and improved the triage model's AUROC to 0.93 because readers used different cutoffs for 'urgent' bleeds"
    )


def test_a_dropped_filler_clause_leaves_no_double_semicolon():
    text = rewrite(
        "Cut nightly data-pipeline runtime 5x by partitioning scene logs by drive date; passionate about clean data.",
        problem="the nightly job overran into the morning",
        model_impact="Labelers got fresh scenes by 8am instead of noon",
    )
    # An outcome that is a clause follows as ", so …" (never a chain of "; "); "Labelers" is a
    # common word (data/common_words.txt), so its sentence capital is lowered inside the bullet.
    assert text == (
        "Cut nightly data-pipeline runtime 5x by partitioning scene logs by drive date because the nightly job "
        "overran into the morning, so labelers got fresh scenes by 8am instead of noon."
    )


# --- the action answer, the impact answer, and the first letter ----------------------------


def test_an_action_answer_is_its_own_sentence_before_a_bullet_that_has_no_verb_first():
    text = rewrite(
        "In a team of 2, raised $8,000 in funding from The Hub incubator",
        action="Built the MVP with Django & PostgreSQL, 100% test coverage",
    )
    assert text == (
        "Built the MVP with Django & PostgreSQL, 100% test coverage. "
        "In a team of 2, raised $8,000 in funding from The Hub incubator"
    )
    assert ": in a team" not in text


def test_an_action_answer_and_its_problem_come_first():
    text = rewrite(
        "Apache Beam is a unified model for batch and streaming pipelines",
        action="Implemented parts of the Python SDK",
        problem="teams kept separate batch and streaming code",
    )
    assert text == (
        "Implemented parts of the Python SDK because teams kept separate batch and streaming code. "
        "Apache Beam is a unified model for batch and streaming pipelines"
    )


def test_an_impact_clause_is_not_led_to():
    text = rewrite(
        "Built a grant-report generator from the volunteer database",
        model_impact="the director's grant report went from 5 days to 1 day",
    )
    # "X went from A to B" reads as a participle phrase, its direction from the numbers.
    assert text == (
        "Built a grant-report generator from the volunteer database, "
        "cutting the director's grant report from 5 days to 1 day"
    )
    text = rewrite("Built a classification model for image labeling", model_impact="the AUC gain held for 6 weeks")
    assert "leading to the AUC gain held" not in text
    text = rewrite(
        "Built a classification model for image labeling", model_impact="The detector's AUC improved by about 0.02"
    )
    assert text.endswith(", raising the detector's AUC by about 0.02")


def test_an_impact_phrase_still_leads_on():
    text = rewrite("Built a classification model for image labeling", model_impact="a 2 point lift in recall")
    assert text.endswith(", leading to a 2 point lift in recall")


def test_a_lowercase_name_at_the_start_keeps_its_case():
    text = rewrite(
        "labelcheck (open source): wrote a Python library that flags likely label errors",
        problem="about 1 in 10 labels came back wrong",
    )
    assert text == (
        "labelcheck (open source): wrote a Python library that flags likely label errors "
        "because about 1 in 10 labels came back wrong"
    )


def test_a_lowercase_verb_at_the_start_is_capitalised():
    text = rewrite("built a classification model for image labeling", problem="inconsistent vendor labels")
    assert text.startswith("Built a classification model")


def test_a_name_with_an_inner_capital_is_not_lowered():
    text = rewrite("Built a classification model for image labeling", problem="TensorFlow jobs kept crashing")
    assert "because TensorFlow jobs kept crashing" in text


# --- the person's casing: names, acronyms and products are never recased -----------------


@pytest.mark.parametrize(
    "bullet, answers, written",
    [
        (
            "Built a classification model for image labeling",
            {"problem": "Guelph local news lost 30% of its readers"},
            "because Guelph local news lost 30% of its readers",
        ),
        (
            "Built a classification model for image labeling",
            {"problem": "Kafka lag reached 2 hours at peak"},
            "because Kafka lag reached 2 hours at peak",
        ),
        (
            "Shipped a new checkout flow",
            {"data_outcome": "A/B-tested on 10% of traffic"},
            ", and A/B-tested on 10% of traffic",
        ),
        (
            "Built a classification model for image labeling",
            {"model_impact": "AUC rose from 0.68 to 0.84"},
            ", raising AUC from 0.68 to 0.84",
        ),
        # A capital that only opens a sentence is lowered on a grammar word ...
        (
            "Built a classification model for image labeling",
            {"problem": "The vendor labels were inconsistent"},
            "because the vendor labels were inconsistent",
        ),
        (
            "Built a classification model for image labeling",
            {"model_impact": "A 2 point lift in recall"},
            ", leading to a 2 point lift in recall",
        ),
        # ... or on a word the person wrote in lower case in the bullet.
        (
            "Built a sales dashboard for store owners",
            {"problem": "Owners compiled sales by hand every Monday"},
            "because owners compiled sales by hand every Monday",
        ),
    ],
)
def test_the_persons_casing_is_kept(bullet, answers, written):
    assert written in rewrite(bullet, **answers)


def test_only_the_rewrites_own_first_word_is_capitalised():
    text = rewrite("built a Kafka consumer for click events", problem="guelph readers saw stale scores")
    assert text.startswith("Built a Kafka consumer") and "because guelph readers saw stale scores" in text


# --- the engine reads its own rewrites ---------------------------------------------------


def test_a_because_clause_with_a_number_is_the_problem():
    an = rules.analyze(
        "Built a classification model for image labeling because vendor labels disagreed on 14 object classes; "
        "label error rate fell from 9% to 3% across 1.2M images"
    )
    assert an.slots[Slot.PROBLEM].evidence == "because vendor labels disagreed on 14 object classes"
    assert an.slots[Slot.DATA_OUTCOME].evidence == "label error rate fell from 9% to 3% across 1.2M images"
    assert an.missing == [Slot.MODEL_IMPACT]


@pytest.mark.parametrize(
    "bullet, problem",
    [
        ("Rebuilt the review queue since 30% of vendor labels were wrong", "since 30% of vendor labels were wrong"),
        (
            "Redesigned the labeling taxonomy after mislabels leaked into training",
            "after mislabels leaked into training",
        ),
        (
            "Delivered several lectures for CIS*3530 when professor was away at a conference",
            "when professor was away at a conference",
        ),
        ("Continuously improved the infrastructure architecture since launching the service", None),
        ("Surpassed 1,000 users within a month since launch", None),
    ],
)
def test_since_after_and_when_are_a_cause_only_before_a_clause(bullet, problem):
    assert rules.analyze(bullet).slots[Slot.PROBLEM].evidence == problem


def test_rewriting_a_rewrite_does_not_ask_again_for_what_it_wrote():
    bullet = "Built a classification model for image labeling"
    answers = {
        Slot.PROBLEM: "vendor labels disagreed on 14 object classes",
        Slot.DATA_OUTCOME: "label error rate fell from 9% to 3% across 1.2M images",
        Slot.MODEL_IMPACT: "a 2 point lift in recall",
    }
    first = rules.rewrite(rules.analyze(bullet), answers).text
    assert first == (
        "Built a classification model for image labeling because vendor labels disagreed on 14 object classes, "
        "cutting label error rate from 9% to 3% across 1.2M images and leading to a 2 point lift in recall"
    )
    again = rules.analyze(first)
    assert again.missing == [] and again.questions == []


# --- two outcomes in one sentence ----------------------------------------------------------


def test_the_sample_resume_bullet_states_its_model_impact():
    an = rules.analyze(
        "Designed a pairwise-preference collection flow for chat responses that replaced 5-point ratings; "
        "inter-rater agreement rose from 0.52 to 0.71 over 120k comparisons and the reward model's "
        "held-out accuracy improved from 64% to 69%"
    )
    assert an.slots[Slot.MODEL_IMPACT].evidence == "the reward model's held-out accuracy improved from 64% to 69%"
    assert "inter-rater agreement rose from 0.52 to 0.71 over 120k comparisons" in an.slots[Slot.DATA_OUTCOME].evidence
    assert Slot.MODEL_IMPACT not in an.missing


def test_and_before_a_second_measure_that_moved_opens_a_clause():
    an = rules.analyze(
        "Added an on-upload quality gate, which cut unusable images to 4% and lifted melanoma classifier recall 5 points"
    )
    assert an.slots[Slot.MODEL_IMPACT].evidence == "lifted melanoma classifier recall 5 points"
    assert an.slots[Slot.DATA_OUTCOME].evidence == "cut unusable images to 4%"


# --- questions: the bullet's own object, in the past tense, whole ------------------------


SAVED = (
    "Saved over 30% of the overall AWS costs by establishing a quarterly purchasing strategy for RI "
    "(Reserved Instance) and SP (Savings Plan)"
)
DEMONSTRATED = (
    "Demonstrated that rewriting an in-house test framework for Microsoft Dynamics AX would help the team "
    "save $4K annually"
)


def question(bullet: str, slot: Slot) -> str:
    q = rules.analyze(bullet).question_for(slot)
    assert q is not None, f"no {slot} question"
    return q.text


@pytest.mark.parametrize(
    "bullet, work",
    [
        (
            "Built a classification model for image labeling",
            "before you built the classification model for image labeling:",
        ),
        # the verb as written, put in the past tense
        (
            "Maintain upkeep of computers, classroom equipment, and 200 printers across campus",
            "before you maintained the upkeep of computers, classroom equipment, and printers:",
        ),
        (
            "Build an algorithm for artist to detect if their music was violating copy right infringement laws",
            "before you built the algorithm for artist:",
        ),
        (
            "Involved in features such as delivery time optimization, tracking, queuing and A/B testing",
            "before you were involved in features:",
        ),
        (
            "Assess and troubleshoot computer problems brought by students, faculty and staff",
            "before you assessed and troubleshot the computer problems:",
        ),
        # no "the" before a conjunction, a number word or an adverb; a list stays whole
        (
            "Cleaned and consolidated three years of distribution spreadsheets into a single queryable dataset",
            "before you cleaned and consolidated the distribution spreadsheets into a single queryable dataset:",
        ),
        ("Trained six baristas who were later promoted", "before you trained six baristas:"),
        (
            "Conducted interviews for junior, and senior, data engineering roles",
            "before you conducted the interviews for junior, and senior, data engineering roles:",
        ),
        # no numbers, no half range, no dangling word
        (
            "Grew annual revenue 28% over three years while holding food cost flat",
            "before you grew the annual revenue:",
        ),
        ("Reduced waste 9%", "before you reduced the waste:"),
        ("Reduced p95 latency from 220ms to 90ms for the search API", "before you reduced the p95 latency:"),
        (
            "Built a monthly volunteer-hours report adopted by the program director",
            "before you built the monthly volunteer-hours report:",
        ),
        (
            "Deduplicated 2.4M prompts with MinHash before training, removing 18% near-duplicates",
            "before you deduplicated the prompts:",
        ),
        # the method, not an outcome verb or an aside in parentheses
        ("Reduced waste 9% by tightening par-level ordering", "before you tightened the par-level ordering:"),
        (SAVED, "before you established the quarterly purchasing strategy for RI:"),
        # no good object: a neutral phrase
        (DEMONSTRATED, "before this work:"),
        ("Built by all women team of newbie programmers", "before this work:"),
    ],
)
def test_the_problem_question_names_the_work_grammatically(bullet, work):
    text = question(bullet, Slot.PROBLEM)
    assert text.startswith(f"What was going wrong {work}"), text


def test_a_bullet_with_no_verb_gets_a_neutral_downstream_question():
    text = question("In a team of 2, raised $8,000 in funding from The Hub incubator", Slot.MODEL_IMPACT)
    assert text.startswith("What did this work do downstream: ")
    assert "the work in" not in text


def test_the_analytics_impact_question_says_by_how_much_once():
    text = question("Automated weekly reporting that saved owners roughly 5 hours per week", Slot.MODEL_IMPACT)
    assert text == (
        "What did that do downstream once you automated weekly reporting: the business decision or metric "
        "it moved, by how much, and for how long?"
    )


@pytest.mark.parametrize(
    "written, past",
    [
        ("Build", "built"),
        ("Maintain", "maintained"),
        ("Lead", "led"),
        ("assess", "assessed"),
        ("Communicate", "communicated"),
        ("Ship", "shipped"),
        ("Audit", "audited"),
        ("Identify", "identified"),
        ("Manages", "managed"),
        ("Builds", "built"),
        ("establishing", "established"),
        ("tightening", "tightened"),
        ("Redesigned", "redesigned"),
        ("Wrote", "wrote"),
        ("Setup", "set up"),
    ],
)
def test_past_tense(written, past):
    assert past_tense(written) == past


def test_no_question_runs_past_two_hundred_characters():
    for case in load_cases(Path(__file__).resolve().parent.parent / "evals" / "cases"):
        for q in rules.analyze(case.bullet).questions:
            assert len(q.text) <= 200, (case.id, q.text)


# --- the examples fit the bullet's field, or stay neutral --------------------------------


def test_a_portfolio_bullet_gets_finance_examples_not_fraud_ones():
    text = question(
        "Created models for portfolio hedging, portfolio optimization and price forecasting", Slot.MODEL_IMPACT
    )
    assert "fraud" not in text and "alert" not in text
    assert "drawdown" in text


def test_a_cloud_cost_bullet_is_not_asked_about_models_and_dashboards():
    bullet = SAVED
    assert "models and dashboards" not in question(bullet, Slot.MODEL_IMPACT)
    assert "cloud bill" in question(bullet, Slot.PROBLEM)


def test_a_bullet_that_is_not_data_work_gets_a_neutral_outcome_question():
    text = question("Trained six baristas who were later promoted", Slot.DATA_OUTCOME)
    assert text == (
        "What measurably changed after you trained six baristas: "
        "for example its volume, quality, speed or cost, before and after?"
    )
    text = question("Grew annual revenue 28% over three years while holding food cost flat", Slot.PROBLEM)
    assert "data-quality" not in text


def test_data_work_is_still_asked_about_the_data():
    text = question("Cleaned the feedback data", Slot.DATA_OUTCOME)
    assert text.startswith("What measurably changed in the data or pipeline after you cleaned the feedback data:")


@pytest.mark.parametrize(
    "impact",
    [
        "Pedestrian AP improved by about 2 points",
        "Moving-vehicle box error dropped roughly 20% in turns",
        "Delivery-time optimization lifted email open rate 7%",
        "Fraud caught at checkout rose about 8%",
    ],
)
def test_a_model_impact_answer_is_read_back_as_model_impact(impact):
    bullet = "Built a classification model for image labeling"
    first = rules.rewrite(rules.analyze(bullet), {Slot.MODEL_IMPACT: impact}).text
    assert Slot.MODEL_IMPACT not in rules.analyze(first).missing, first


def test_an_aside_in_parentheses_does_not_cut_the_evidence():
    an = rules.analyze(
        "Redesigned the labeling taxonomy after mislabels leaked into training, raising annotator agreement "
        "(Cohen's kappa) from 0.68 to 0.84 across 3M lidar frames"
    )
    assert an.slots[Slot.DATA_OUTCOME].evidence == (
        "raising annotator agreement (Cohen's kappa) from 0.68 to 0.84 across 3M lidar frames"
    )


@pytest.mark.parametrize(
    "bullet, named",
    [
        (
            "Python backend for a web application used by hedge fund managers for portfolio management.",
            "“Python backend for a web application”",
        ),
        (
            "Open source Python library for financial data analysis and machine learning for finance.",
            "“Open source Python library for financial data analysis …”",
        ),
    ],
)
def test_the_action_question_quotes_the_bullet_without_a_dangling_word(bullet, named):
    assert (
        question(bullet, Slot.ACTION)
        == f"What did you yourself build or change for {named}, and with which method or tool?"
    )
