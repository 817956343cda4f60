"""A contact's seniority and department, read from their job title."""

from __future__ import annotations

import re

__all__ = ["department_of", "seniority_of"]

_SENIORITY = (
    ("c_level", r"\b(ceo|cto|cfo|cmo|coo|cio|cro|chief|founder|co-founder|owner|president)\b"),
    ("vp", r"\b(vp|vice president|svp|evp)\b"),
    ("director", r"\b(director|head of|head)\b"),
    ("manager", r"\b(manager|lead|supervisor)\b"),
    ("individual", r"\b(engineer|developer|specialist|analyst|coordinator|associate|consultant|"
     r"representative|designer|assistant|executive|administrator|intern|student|scientist)\b"),
)
_DEPARTMENT = (
    ("marketing", r"\b(marketing|growth|brand|content|seo|demand|cmo|communications)\b"),
    ("sales", r"\b(sales|account executive|business development|bdr|sdr|cro|revenue)\b"),
    ("engineering", r"\b(engineer|engineering|developer|cto|software|devops|product)\b"),
    ("it", r"\b(it|cio|information technology|systems|infrastructure|security)\b"),
    ("finance", r"\b(finance|cfo|accounting|controller|accountant)\b"),
    ("hr", r"\b(hr|human resources|recruit|recruiter|talent|people)\b"),
    ("operations", r"\b(operations|coo|ops|logistics|supply)\b"),
)
_SEN = [(name, re.compile(p)) for name, p in _SENIORITY]
_DEP = [(name, re.compile(p)) for name, p in _DEPARTMENT]


def seniority_of(title: str | None) -> str | None:
    """``c_level``, ``vp``, ``director``, ``manager``, ``individual`` or None when unknown.

    >>> seniority_of("VP Marketing"), seniority_of("Head of Growth"), seniority_of(None)
    ('vp', 'director', None)
    """
    if not title:
        return None
    t = title.lower()
    return next((name for name, rx in _SEN if rx.search(t)), None)


def department_of(title: str | None) -> str | None:
    """The department a title belongs to, ``other`` when none matches, None without a title.

    >>> department_of("VP Marketing"), department_of("Software Engineer"), department_of("Barista")
    ('marketing', 'engineering', 'other')
    """
    if not title:
        return None
    t = title.lower()
    return next((name for name, rx in _DEP if rx.search(t)), "other")
