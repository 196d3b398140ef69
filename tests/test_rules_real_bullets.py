"""The rules engine on bullets as real resumes write them (issue 18).

Reading follows the slot definitions of the design contract (docs/engines.md): a purpose clause naming a need is a
problem; adoption and what the work enabled are model impact, for non-ML work too; scale managed
alone is no data outcome. Writing makes one bullet: a past-tense verb and the action, the problem
as a short clause, the outcomes as participle phrases, every answered fact kept.
"""

from pathlib import Path

import pytest

from bulletsmith import Assistant, Slot
from bulletsmith.evaluation import load_cases
from bulletsmith.guards import MAX_BULLET_CHARS
from bulletsmith.models import Rewrite

rules = Assistant(engine="rules")
CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"


def read(bullet: str) -> dict[Slot, str | None]:
    an = rules.analyze(bullet)
    return {slot: (fill.evidence if fill.present else None) for slot, fill in an.slots.items()}


def rewrite(bullet: str, **answers: str) -> Rewrite:
    an = rules.analyze(bullet)
    return rules.rewrite(an, {Slot(k): v for k, v in answers.items()})


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bullet, problem",
    [
        (
            "Dataduct an open source workflow framework to create and manage data pipelines leveraging reusables "
            "patterns to expedite developer productivity.",
            "to expedite developer productivity",
        ),
        (
            "In a team of 2, raised $8,000 in funding to develop a hyperlocal content platform, aimed at delivering "
            "local news and events to local users in realtime",
            "aimed at delivering local news and events to local users in realtime",
        ),
        (
            "Prepared a longitudinal dataset to enable comprehensive analyses about WWI Canadian society and military",
            "to enable comprehensive analyses about WWI Canadian society and military",
        ),
    ],
)
def test_a_purpose_clause_that_names_a_need_is_the_problem(bullet, problem):
    assert read(bullet)[Slot.PROBLEM] == problem


def test_a_purpose_that_only_lists_uses_is_not_a_problem():
    assert read("Created scripts to cut, splice and watermark videos captured on the product.")[Slot.PROBLEM] is None


@pytest.mark.parametrize(
    "bullet, impact",
    [
        ("Authored the internal design-review rubric now used org-wide", "now used org-wide"),
        ("Wrote the core libraries that are shared by all data scientists.", "that are shared by all data scientists"),
        (
            "Designed Terraform modules to manage infrastructure across dozens of AWS accounts, enabling standardized, "
            "repeatable deployments.",
            "enabling standardized, repeatable deployments",
        ),
        (
            "Instructor dashboards and learner surveying tools, which helped instructors run their class better.",
            "helped instructors run their class better",
        ),
        ("Prepared a longitudinal dataset for historians, seeding further research", "seeding further research"),
    ],
)
def test_adoption_and_what_the_work_enabled_are_model_impact(bullet, impact):
    assert read(bullet)[Slot.MODEL_IMPACT] == impact


def test_a_use_is_not_an_action():
    slots = read("Used in a graduate distributed-systems course at two universities")
    assert slots[Slot.MODEL_IMPACT] and slots[Slot.ACTION] is None


def test_a_weak_opening_verb_is_the_action_not_an_impact():
    slots = read("Helped build a feature pipeline processing 3M events/day for the home-feed recommender.")
    assert slots[Slot.ACTION] and slots[Slot.MODEL_IMPACT] is None and slots[Slot.DATA_OUTCOME]


def test_scale_managed_alone_is_no_data_outcome_but_scale_handled_is():
    assert read("Managed 3 Kubernetes clusters and 300+ pods.")[Slot.DATA_OUTCOME] is None
    assert read("Worked on Embedded Software for the product, on 2 processors.")[Slot.DATA_OUTCOME] is None
    assert read("The ES cluster processed more than 1 billion documents per month.")[Slot.DATA_OUTCOME]


def test_a_recognition_is_not_an_action():
    assert read("Awarded Star Performer in 2019 at Easyrewardz Software Services Pvt Ltd.")[Slot.ACTION] is None


def test_talks_and_teaching_are_asked_what_fits_them():
    talk = rules.analyze("Presented several talks on Machine Learning and Big Data at university hackathons")
    asked = {q.slot: q.text for q in talk.questions}
    assert (
        "people were reached" in asked[Slot.DATA_OUTCOME] and "in the data or pipeline" not in asked[Slot.DATA_OUTCOME]
    )
    teaching = rules.analyze("Responsible for grading assignments for 150+ students.")
    assert "students" in {q.slot: q.text for q in teaching.questions}[Slot.DATA_OUTCOME]
    data = rules.analyze("Built a classification model for image labeling")
    assert "in the data or pipeline" in {q.slot: q.text for q in data.questions}[Slot.DATA_OUTCOME]


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, phrase",
    [
        ("Review backlog fell from 9 days to 2 days", ", cutting Review backlog from 9 days to 2 days"),
        ("training time 6h -> 2h", ", cutting training time from 6h to 2h"),
        ("nightly coverage rose by 12%", ", raising nightly coverage by 12%"),
        ("Reduced storage cost per byte by 25%", ", reducing storage cost per byte by 25%"),
        ("a 2 point lift in recall", ", leading to a 2 point lift in recall"),
    ],
)
def test_outcomes_become_participle_phrases_from_common_answer_shapes(answer, phrase):
    text = rewrite("Built a classification model for image labeling", data_outcome=answer).text
    assert text == "Built a classification model for image labeling" + phrase


def test_one_bullet_never_a_chain_of_semicolons():
    rw = rewrite(
        "Built a classification model for image labeling",
        problem="vendor labels disagreed on 14 object classes",
        data_outcome="label error rate fell from 9% to 3%",
        model_impact="recall rose from 0.71 to 0.78",
    )
    assert rw.text == (
        "Built a classification model for image labeling because vendor labels disagreed on 14 object "
        "classes, cutting label error rate from 9% to 3% and raising recall from 0.71 to 0.78"
    )
    assert ";" not in rw.text and rw.ok and not rw.warnings


def test_etc_keeps_its_period():
    text = rewrite(
        "Built an internal app to run batch campaigns for marketing etc.",
        problem="marketing needed engineers to hand-run every campaign",
    ).text
    assert "marketing etc. because marketing needed" in text and "etc;" not in text


def test_a_bullet_that_opens_with_its_problem_opens_with_the_action():
    text = rewrite(
        "Because radiologists disagreed on nodule boundaries, wrote a double-read protocol for lung CT labeling.",
        model_impact="nodule segmentation Dice rose 0.05",
    ).text
    assert text == (
        "Wrote a double-read protocol for lung CT labeling because radiologists disagreed on nodule "
        "boundaries, raising nodule segmentation Dice 0.05."
    )


def test_a_present_tense_verb_opens_in_the_past_but_a_subject_is_never_retensed():
    assert rewrite(
        "Develop custom build and monitoring tools for our codebases", data_outcome="builds went from 40 to 12 minutes"
    ).text.startswith("Developed custom build")
    text = rewrite(
        "Label error rate on the pedestrian class fell from 7.5% to 2.1% across 900K frames.",
        problem="strollers were boxed as pedestrians",
    ).text
    assert text.startswith("Label error rate on the pedestrian class fell")


def test_the_sentence_of_what_was_done_leads_and_takes_the_outcomes():
    text = rewrite(
        "Service for sending email, push and in-app notifications. Built an internal app to run batch "
        "campaigns for marketing etc.",
        model_impact="email open rate rose 7%",
    ).text
    assert text == (
        "Built an internal app to run batch campaigns for marketing etc., raising email open rate 7%. "
        "Service for sending email, push and in-app notifications."
    )


def test_a_rewrite_longer_than_two_lines_says_so():
    rw = rewrite(
        "Built a classification model for image labeling",
        problem="vendor label batches for the perception team arrived with many mis-sized boxes every week",
        data_outcome="mis-sized boxes fell from 14% to 3% of each batch across 1.2M frames",
        model_impact="pedestrian recall on the night-time evaluation set rose from 0.71 to 0.78",
    )
    assert len(rw.text) > MAX_BULLET_CHARS
    assert any(w.guard == "style.length" for w in rw.warnings)
    for fact in ("14%", "3%", "1.2M", "0.71", "0.78", "mis-sized boxes every week"):
        assert fact in rw.text


def test_no_guard_ever_trips_on_a_rules_rewrite_of_any_case():
    for case in load_cases(CASES):
        an = rules.analyze(case.bullet)
        rw = rules.rewrite(an, {s: v for s, v in case.answers.items()})
        assert rw.ok, (case.id, rw.warnings)
        assert not [w for w in rw.warnings if not w.guard.startswith("style")], (case.id, rw.warnings)


# --- writing real answered bullets: one bullet, a strong verb, every answered fact -------------
# Bullets and answers as realdata.yaml holds them (the tuned file; realdata-heldout is not read here).


def assert_one_bullet(rw: Rewrite, *facts: str) -> None:
    assert rw.ok and not [w for w in rw.warnings if w.guard.startswith("style")], rw.warnings
    assert len(rw.text) <= MAX_BULLET_CHARS and ";" not in rw.text
    for fact in facts:
        assert fact in rw.text, fact


def test_a_real_bullet_with_a_problem_and_an_outcome_in_the_persons_words():
    rw = rewrite(
        "Maintain upkeep of computers, classroom equipment, and 200 printers across campus",
        problem="Printers were the top source of help-desk tickets",
        data_outcome="Printer tickets dropped about 30%",
    )
    assert rw.text == (
        "Maintained upkeep of computers, classroom equipment, and 200 printers across campus because printers "
        "were the top source of help-desk tickets, cutting printer tickets about 30%"
    )
    assert_one_bullet(rw, "200 printers", "about 30%")


def test_an_impact_answer_becomes_a_participle_after_the_problem():
    rw = rewrite(
        "Built the erasure-coding pipeline that reduced storage cost per byte by 25%",
        problem="Cold data was stored with full 3x replication",
        model_impact="Saved about $3M a year",
    )
    assert rw.text == (
        "Built the erasure-coding pipeline that reduced storage cost per byte by 25% because cold data was "
        "stored with full 3x replication, saving about $3M a year"
    )
    assert_one_bullet(rw, "25%", "3x", "about $3M a year")


def test_over_the_budget_a_names_second_spelling_goes_and_every_number_stays():
    # 213 characters with "RI (Reserved Instance) and SP (Savings Plan)"; the acronyms the person
    # wrote are the names kept.
    rw = rewrite(
        "Saved over 30% of the overall AWS costs by establishing a quarterly purchasing strategiy for RI "
        "(Reserved Instance) and SP (Savings Plan) and by introducing Graviton instances.",
        problem="Almost all instances ran on on-demand pricing",
    )
    assert "for RI and SP and by introducing Graviton instances because almost all instances" in rw.text
    assert_one_bullet(rw, "over 30%", "AWS", "RI", "SP", "Graviton", "on-demand pricing")


def test_a_relative_clause_shortened_keeps_the_problem_after_its_noun():
    rw = rewrite(
        "Analytics environment based on Docker and AWS, standardized the Python and R dependencies. Wrote the "
        "core libraries that are shared by all data scientists.",
        problem="Notebooks broke whenever someone's local Python or R packages differed",
        data_outcome="Onboarding a new data scientist went from 2 days to 1 hour",
    )
    assert rw.text.startswith("Wrote the core libraries shared by all data scientists because Notebooks broke")
    # The side sentence holds no slot, but Docker and AWS are the person's facts: it stays, and
    # the rewrite runs past two lines and says so rather than lose them.
    for fact in ("from 2 days to 1 hour", "Python or R packages", "Docker and AWS"):
        assert fact in rw.text, fact
    assert rw.ok and [w.guard for w in rw.warnings] == ["style.length"]


def test_short_enough_the_bullets_own_wording_stays():
    # Condensing is for a bullet over two lines only: here "in order to" and "successfully" stay.
    text = rewrite(
        "Successfully migrated the billing jobs in order to retire the old cluster",
        data_outcome="Moved 40 jobs in 3 weeks",
    ).text
    assert text.startswith("Successfully migrated the billing jobs in order to retire the old cluster")


def test_both_present_tense_verbs_open_in_the_past():
    rw = rewrite(
        "Assess and troubleshoot computer problems brought by students, faculty and staff",
        problem="Students lost class time to broken laptops",
        data_outcome="Closed roughly 25 tickets a week",
    )
    assert rw.text.startswith("Assessed and troubleshot computer problems brought by students, faculty and staff")
    assert_one_bullet(rw, "roughly 25 tickets a week", "broken laptops")
    assert rewrite(
        "Build an algorithm for artists to detect if their music was violating copyright laws",
        data_outcome="Checked tracks against about 2 million songs",
    ).text.startswith("Built an algorithm")


def test_facts_that_cannot_fit_stay_and_the_rewrite_says_so():
    rw = rewrite(
        "Provisioned an easily managable hybrid infrastructure(Amazon AWS + On-premise) utilizing "
        "IaC(Infrastructure as Code) tools like Ansible, Packer and Terraform.",
        problem="GPU servers on-premise and AWS services were managed separately by hand",
        data_outcome="Brought 12 on-premise GPU servers and 3 AWS accounts under one Terraform codebase",
    )
    assert "IaC tools like Ansible, Packer and Terraform" in rw.text  # the spelled-out name went first
    for fact in ("Amazon AWS + On-premise", "12 on-premise GPU servers", "3 AWS accounts", "Ansible", "Packer"):
        assert fact in rw.text
    assert len(rw.text) > MAX_BULLET_CHARS
    assert [w.guard for w in rw.warnings] == ["style.length"]


def test_five_characters_over_the_problem_is_joined_by_as():
    # "because" would make 201 characters; "as" is a joining word of the writer's, not the person's.
    rw = rewrite(
        "Reduced cluster rebalance time by redesigning the ring-builder partition assignment",
        problem="Adding capacity moved far more partitions than needed",
        model_impact="Customers saw fewer slow requests during expansions",
    )
    assert rw.text == (
        "Reduced cluster rebalance time by redesigning the ring-builder partition assignment as adding capacity "
        "moved far more partitions than needed, so customers saw fewer slow requests during expansions"
    )
    assert_one_bullet(rw)
    # Within the budget it stays "because".
    short = rewrite("Reduced cluster rebalance time", problem="Adding capacity moved far more partitions than needed")
    assert short.text == "Reduced cluster rebalance time because adding capacity moved far more partitions than needed"
