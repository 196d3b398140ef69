"""Target a job posting truthfully: what it asks for, which bullets already show it, and a
question for the rest. A posting's term enters a bullet only when the person's answer confirms it.

    from bulletsmith import Assistant, read
    a = Assistant(engine="rules", job="posting.md")      # a path, or the posting's text
    report = a.requirements(read("resume.md"))           # JobCoverage
    report.to_dict()   # {"title", "requirements": [{"text", "kind", "required", "covered_by"}]}

The rules engine reads the requirements from the posting's structure: its sections
("Requirements", "Nice to have", "What you'll do"…, data/job_sections.yaml) and their bullet
items, with the claims guard's vocabularies (data/claims/) naming the tools and methods. A
requirement is covered by a bullet that says it in any form the vocabularies know (a term, its
abbreviation or synonym: "k8s" covers Kubernetes); a term that only the Skills section lists
covers nothing ("listed in Skills, shown in no bullet").

Each uncovered requirement gets one question, attached to the bullet where the person most
plausibly did it (most words shared with the posting's line that asks for it), or to the resume
when no bullet shares any. Its answer decides: a confirming answer ("yes, the DAGs ran on
Airflow") is a source for that bullet's rewrite, so the claims guard lets the term in; "no",
"not mine" or "unknown" keeps it out of every bullet.
"""

from bulletsmith.job.coverage import (
    confirmed_phrase,
    confirms,
    coverage,
    questions,
    shows,
    title_check,
    with_meaning,
    work_in,
)
from bulletsmith.job.models import SKILLS_ONLY, STRUCTURE, JobCoverage, JobQuestion, Requirement
from bulletsmith.job.posting import (
    POSTING_SUFFIXES,
    JobFileError,
    JobPosting,
    html_to_text,
    parse_posting,
    read_posting,
)

__all__ = [
    "JobCoverage",
    "JobFileError",
    "JobPosting",
    "JobQuestion",
    "POSTING_SUFFIXES",
    "Requirement",
    "SKILLS_ONLY",
    "STRUCTURE",
    "confirmed_phrase",
    "confirms",
    "coverage",
    "html_to_text",
    "parse_posting",
    "questions",
    "read_posting",
    "shows",
    "title_check",
    "with_meaning",
    "work_in",
]
