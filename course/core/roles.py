"""Role checks for views: trainers and admins, or admins only."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from course.models import Role


def staff_required(view):
    """Only trainers and admins; trainees get 403 (they know the page exists, it is not theirs)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.has_role(Role.TRAINER, Role.ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Only admins."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.has_role(Role.ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
