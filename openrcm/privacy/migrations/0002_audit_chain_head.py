"""Create the audit chain's head row up front, so the first appends never race to make it."""

from django.db import migrations


def create_head(apps, schema_editor):
    head_model = apps.get_model("privacy", "AuditChainHead")
    head_model.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
