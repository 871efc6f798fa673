from django.urls import path

from openrcm.claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list_view, name="list"),
    path("<int:pk>/", views.claim_detail_view, name="detail"),
    # One URL per action (POST only), so every route names only ids.
    path("<int:pk>/scrub/", views.claim_action_view, {"action": "rescrub"}, name="rescrub"),
    path("<int:pk>/release/", views.claim_action_view, {"action": "release"}, name="release"),
    path("<int:pk>/hold/", views.claim_action_view, {"action": "hold"}, name="hold"),
    path("<int:pk>/correct/", views.claim_action_view, {"action": "correct"}, name="correct"),
    path("<int:pk>/void/", views.claim_action_view, {"action": "void"}, name="void"),
    path("batches/", views.batch_list_view, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail_view, name="batch"),
    path("files/<int:file_id>/", views.file_download_view, name="file"),
    path("rejections/", views.rejection_list_view, name="rejections"),
]
