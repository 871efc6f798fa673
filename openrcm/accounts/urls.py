from django.urls import path

from openrcm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.mfa_verify_view, name="mfa_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/enroll/", views.mfa_enroll_view, name="mfa_enroll"),
    path("mfa/recovery-codes/", views.mfa_recovery_codes_view, name="mfa_recovery_codes"),
]
