"""Admin pages for one certificate: look it up, see its record and audit trail, revoke it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.certificates.forms import RevokeForm
from course.certificates.serials import SerialError, normalise_serial
from course.certificates.services import RevocationError, certificate_events, find_certificate, revoke_certificate
from course.core.records import certificate_history
from course.core.roles import admin_required
from course.extensions import db
from course.models import Certificate, utcnow

bp = Blueprint("certificates_admin", __name__, url_prefix="/admin/certificates")


def _certificate_or_404(serial: str) -> Certificate:
    try:
        return find_certificate(db.session, serial) or abort(404)
    except SerialError:
        abort(404)


def _render(certificate: Certificate, form: RevokeForm, status: int = 200):
    events, actors = certificate_events(db.session, certificate)
    history = certificate_history(db.session, certificate.user)
    return render_template("certificates/admin.html", certificate=certificate, form=form, events=events,
                           actors=actors, history=history, now=utcnow()), status


@bp.get("")
@admin_required
def lookup():
    """Find a certificate by its serial."""
    typed = request.args.get("serial", "").strip()
    if not typed:
        return render_template("certificates/admin_lookup.html", typed="", error=None)
    try:
        return redirect(url_for("certificates_admin.manage", serial=normalise_serial(typed)))
    except SerialError as exc:
        return render_template("certificates/admin_lookup.html", typed=typed, error=str(exc)), 400


@bp.get("/<serial>")
@admin_required
def manage(serial: str):
    """A certificate's record, revocation form and audit trail."""
    return _render(_certificate_or_404(serial), RevokeForm())


@bp.post("/<serial>/revoke")
@admin_required
def revoke(serial: str):
    """Revoke the certificate with a public reason and an internal note."""
    certificate = _certificate_or_404(serial)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render(certificate, form, 422)
    try:
        revoke_certificate(db.session, certificate, current_user, form.public_reason.data, form.internal_note.data)
    except RevocationError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("certificates_admin.manage", serial=certificate.serial))
    flash(_("Certificate %(serial)s is revoked. The verification page shows it now.", serial=certificate.serial),
          "success")
    return redirect(url_for("certificates_admin.manage", serial=certificate.serial))
