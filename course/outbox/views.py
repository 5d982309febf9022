"""Admin pages: the outbox queue (pending, failed, delivered) and the webhook endpoints."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.core.forms import ConfirmForm
from course.core.roles import admin_required
from course.extensions import db
from course.models import MessageStatus, WebhookEndpoint
from course.outbox.admin import VIEWS, queue_page
from course.outbox.forms import WebhookForm
from course.outbox.queue import send_again
from course.outbox.webhooks import (
    EVENT_TYPES,
    WebhookError,
    add_endpoint,
    delete_endpoint,
    list_endpoints,
    set_endpoint_active,
)

bp = Blueprint("outbox", __name__, url_prefix="/admin")


@bp.get("/outbox")
@admin_required
def queue():
    status = request.args.get("status", MessageStatus.PENDING)
    if status not in VIEWS:
        abort(404)
    page = queue_page(db.session, status, request.args.get("before", type=int))
    return render_template("outbox/queue.html", page=page, status=status, views=VIEWS, form=ConfirmForm())


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry(message_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if send_again(db.session, message_id):
        flash(_("The message will be sent again on the worker's next pass."), "success")
    return redirect(url_for("outbox.queue", status=MessageStatus.DEAD))


@bp.route("/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks():
    form, created = WebhookForm(), None
    if form.validate_on_submit():
        try:
            created = add_endpoint(db.session, current_user, form.url.data, form.events.data)
        except WebhookError as error:
            form.url.errors = [str(error)]
        else:
            form = WebhookForm(formdata=None)
    return render_template("outbox/webhooks.html", form=form, created=created, confirm=ConfirmForm(),
                           endpoints=list_endpoints(db.session), event_types=EVENT_TYPES)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


@bp.post("/webhooks/<int:endpoint_id>/active")
@admin_required
def toggle(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    set_endpoint_active(db.session, current_user, endpoint, request.form.get("active") == "1")
    flash(_("Endpoint resumed.") if endpoint.active else _("Endpoint paused: it gets no new events."), "success")
    return redirect(url_for("outbox.webhooks"))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@admin_required
def delete(endpoint_id: int):
    delete_endpoint(db.session, current_user, _endpoint(endpoint_id))
    flash(_("Endpoint deleted, with anything still queued for it."), "success")
    return redirect(url_for("outbox.webhooks"))
