"""`bulletsmith review`: the whole resume against the guide's rubric, as a report a person looks at.

    from bulletsmith import Assistant
    r = Assistant(engine="rules").review("resume.md")
    r.total, r.score.dimensions, r.checks, r.fixes
    r.to_dict()          # the `review --json` shape
    r                    # in Jupyter: the HTML report

``scoring`` holds the rubric (each dimension's computation in its docstring), ``measures`` what a
bullet's text states (data vs model metrics, scale), ``roles`` the grouping of bullets into job
entries for every format, ``build`` the review itself, ``report`` the Review model and its renderings.
"""

from bulletsmith.review.build import PREVIOUS, RECENT, areview_document, review_document
from bulletsmith.review.report import HONESTY, Review

__all__ = ["HONESTY", "PREVIOUS", "RECENT", "Review", "areview_document", "review_document"]
