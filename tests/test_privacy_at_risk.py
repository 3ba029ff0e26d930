"""An applicant at risk's answers are theirs: the subject-access export holds them, and an
erasure removes them with the need-to-know rows naming the candidate (the call's list,
which names no applicant, stays)."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from tracker import privacy
from tracker.applications.risk import name_for_call, name_for_candidate
from tracker.extensions import db
from tracker.models import ApplicantSafety, ApplicationNeedToKnow, CallNeedToKnow


def at_risk(make_application):
    application = make_application(at_risk=True)
    safety = db.session.get(ApplicantSafety, application.id)
    safety.avoid_work_address = True
    safety.safe_channel, safety.safe_channel_handle = "threema", "ABCD1234"
    db.session.commit()
    return application


def test_the_subject_access_export_holds_the_answers(admin_client, make_application):
    application = at_risk(make_application)
    plain = make_application(email="plain@example.org")

    def exported(candidate) -> dict:
        response = admin_client.get(f"/admin/applications/{candidate.id}/subject-access")
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return json.loads(archive.read("data.json"))

    assert exported(application)["safety"] == {
        "at_risk": True,
        "wants_pseudonym": False,
        "avoid_work_address": True,
        "safe_channel": "threema",
        "safe_channel_handle": "ABCD1234",
    }
    assert exported(plain)["safety"] is None


def test_erasure_removes_the_answers_and_the_candidates_need_to_know_rows(
    make_application, make_user, call
):
    admin = make_user("boss@example.org", "admin")
    ana = make_user("ana@example.org", "editor")
    application = at_risk(make_application)
    other = make_application(email="other@example.org", at_risk=True)
    name_for_candidate(application, ana, by=admin)
    name_for_candidate(other, ana, by=admin)
    name_for_call(call, ana, by=admin)

    privacy.erase_applicant(application, by=admin, reason="admin")

    assert db.session.scalars(select(ApplicantSafety.application_id)).all() == [other.id]
    assert db.session.scalars(select(ApplicationNeedToKnow.application_id)).all() == [other.id]
    assert db.session.execute(select(CallNeedToKnow.call_id, CallNeedToKnow.user_id)).all() == [
        (call.id, ana.id)
    ]
