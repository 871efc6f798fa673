"""The work updates the company sends, as built-in templates (data only)."""

from django.db import migrations

from openrcm.messaging.template_defaults import DEFAULT_TEMPLATES as TEMPLATES


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for key, name, purpose, body, description in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "purpose": purpose,
                "channel": "sms",
                "body": body,
                "description": description,
            },
        )


def remove_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    MessageTemplate.objects.filter(key__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
