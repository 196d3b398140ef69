"""The offline engine: deterministic slot detection, question templates and assembly from answers.

engine.py     RulesEngine: analyze and rewrite, the Engine contract
lexicon.py    the vocabularies (bulletsmith/data) compiled into matchers
clauses.py    which words of a bullet fill which slot
questions.py  one question per missing slot, from templates
assembly.py   the rewrite, built only from the bullet and the answers
"""
