"""Pages of accountability: /accountability/public/… need no login."""

from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("public/complaint/", views.public_form, name="public_form"),
    path("public/complaint/filed/", views.public_filed, name="public_filed"),
    path("public/captcha/", views.public_captcha, name="public_captcha"),
    path("public/units.json", views.units_json, name="units_json"),
    path("public/track/", views.public_track, name="public_track"),
    path("public/t/<str:token>/", views.public_track_token, name="public_track_token"),
    path("public/act/<str:action>/", views.public_act, name="public_act"),
    path("public/attachments/<int:att>/", views.public_attachment, name="public_attachment"),
    path("public/bulletins/", views.public_bulletins, name="public_bulletins"),
    path("public/bulletins/<int:pk>/", views.public_bulletin, name="public_bulletin"),
    path("public/bulletins/<int:pk>/pdf/", views.public_bulletin_pdf, name="public_bulletin_pdf"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/export.xlsx", views.complaint_export, name="complaint_export"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/attachments/<int:att>/", views.complaint_attachment, name="complaint_attachment"),
    path("complaints/<int:pk>/<str:action>/", views.complaint_act, name="complaint_act"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.xlsx", views.case_export, name="case_export"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<str:action>/", views.case_act, name="case_act"),
    path("records/person/<int:pk>/", views.person_record, name="person_record"),
    path("records/unit/<int:pk>/", views.unit_record, name="unit_record"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/export.xlsx", views.bulletin_export, name="bulletin_export"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
]
