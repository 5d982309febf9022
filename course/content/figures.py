"""Figures: every way the course may write a number that figures.yaml allows, in English and in Korean."""

from __future__ import annotations

import re

from course.content.loader import LoadedCourse


def figure_forms(course: LoadedCourse) -> dict[str, str]:
    """Every way the course may write a figure (its own, and its Korean forms) -> the figure."""
    return {f.figure: f.figure for f in course.figures.figures} | {
        form: f.figure for f in course.figures.figures for form in f.ko}


def figure_pattern(course: LoadedCourse) -> re.Pattern:
    figures = sorted(figure_forms(course), key=len, reverse=True)
    alternatives = [re.escape(f) for f in figures] or [r"(?!x)x"]
    # Not inside a longer number or word: ASCII letters and digits only, so "6,615건" and "7.5배" match.
    return re.compile(r"(?<![A-Za-z0-9_.,])(?:" + "|".join(alternatives) + r")(?![A-Za-z0-9_]|[.,]\d)")


def figure_finder(course: LoadedCourse):
    """A function naming the figures (as figures.yaml writes them) that a text states."""
    pattern, forms = figure_pattern(course), figure_forms(course)
    return lambda text: {forms[m.group(0)] for m in pattern.finditer(re.sub(r"\s+", " ", text))}
