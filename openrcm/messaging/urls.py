from django.urls import path

from openrcm.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.conversation_list_view, name="list"),
    path("refusals/", views.refusal_list_view, name="refusals"),
    path("calls/", views.call_task_list_view, name="calls"),
    path("leads/", views.lead_list_view, name="leads"),
    path("templates/", views.template_list_view, name="templates"),
    path("parties/<int:party_id>/", views.party_view, name="party"),
    path("parties/<int:party_id>/send/", views.party_send_view, name="party_send"),
    path("parties/<int:party_id>/reply/", views.party_reply_view, name="party_reply"),
    path("parties/<int:party_id>/consent/", views.party_consent_view, name="party_consent"),
    path("parties/<int:party_id>/call-task/", views.party_call_task_view, name="party_call_task"),
    path("parties/<int:party_id>/call/", views.party_call_view, name="party_call"),
    path(
        "parties/<int:party_id>/call-outcome/",
        views.party_call_outcome_view,
        name="party_call_outcome",
    ),
    path("parties/<int:party_id>/review/", views.party_review_view, name="party_review"),
    path("parties/<int:party_id>/convert/", views.party_convert_view, name="party_convert"),
    path("clients/<int:client_id>/", views.client_people_view, name="client"),
    path("clients/<int:client_id>/open/", views.client_contact_open_view, name="client_open"),
    path("patients/<int:patient_id>/open/", views.patient_open_view, name="patient_open"),
    # Public: no sign-in.
    path("contact/", views.contact_view, name="contact"),
    path("webhooks/twilio/", views.twilio_webhook_view, name="webhook_twilio"),
    path("webhooks/ringcentral/", views.ringcentral_webhook_view, name="webhook_ringcentral"),
]
