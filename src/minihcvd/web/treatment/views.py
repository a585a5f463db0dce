"""Calendar downloads (ICS, CSV, JSON) of a patient the user may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from minihcvd.web.patients.selectors import get_patient_for_user
from minihcvd.web.treatment.services import CALENDAR_FORMATS, export_calendar


@login_required
def calendar_download(request: HttpRequest, study_id: str, output_format: str) -> HttpResponse:
    if output_format not in CALENDAR_FORMATS:
        raise Http404(f"no calendar format {output_format}")
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    download = export_calendar(patient=patient, output_format=output_format)
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return response
